"""Task handlers, grouped by domain: vector/, raster/, ingest/, curated/, stac/."""
