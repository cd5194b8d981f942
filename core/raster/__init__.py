"""Rasters: data-type inference and COG profiles (pure)."""
