"""OGC API – Features query parameters, checked against a collection's queryables (pure)."""
