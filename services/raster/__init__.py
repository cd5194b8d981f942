"""process_raster's task handlers: inspect (inference, tiling plan), cog_part (one band of
rows of a large raster), cog (creation or assembly, validation), catalog."""
