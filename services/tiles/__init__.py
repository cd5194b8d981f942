"""Maps: vector tiles over the published tables, raster tiles over COGs and pgSTAC
collections, TileJSON, and what the map page lists (docs/maps.md)."""
