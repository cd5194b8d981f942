SELECT * FROM raster.cog_metadata WHERE id = %(id)s;
