"""h3_aggregate's task handlers: prepare (source, area, resolution, parent cells), cells
(one parent cell: one window of the raster through exactextract), publish (atomic swap,
aggregation row, STAC item)."""
