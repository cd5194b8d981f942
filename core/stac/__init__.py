"""STAC documents: validation of collections and items, and href resolution (pure)."""
