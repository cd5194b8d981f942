SELECT * FROM raster.cog_metadata ORDER BY updated_at DESC LIMIT %(limit)s;
