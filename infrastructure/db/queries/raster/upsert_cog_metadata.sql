INSERT INTO raster.cog_metadata (
    id, title, description, bbox_west, bbox_south, bbox_east, bbox_north, temporal_start, temporal_end, license,
    keywords, providers, etl_job_id, stac_collection_id, source_blob, blob_path, size_bytes, band_count, dtype, nodata,
    crs, resolution_x, resolution_y, width, height, band_descriptions, color_interpretation, cog_profile, compression,
    overview_levels, raster_type, inferred_type, type_confidence, type_reasons, band_statistics, custom_properties,
    created_at, updated_at)
VALUES (
    %(id)s, %(title)s, %(description)s, %(bbox_west)s, %(bbox_south)s, %(bbox_east)s, %(bbox_north)s, %(temporal_start)s,
    %(temporal_end)s, %(license)s, %(keywords)s, %(providers)s, %(etl_job_id)s, %(stac_collection_id)s, %(source_blob)s,
    %(blob_path)s, %(size_bytes)s, %(band_count)s, %(dtype)s, %(nodata)s, %(crs)s, %(resolution_x)s, %(resolution_y)s,
    %(width)s, %(height)s, %(band_descriptions)s, %(color_interpretation)s, %(cog_profile)s, %(compression)s,
    %(overview_levels)s, %(raster_type)s, %(inferred_type)s, %(type_confidence)s, %(type_reasons)s, %(band_statistics)s,
    %(custom_properties)s, %(created_at)s, %(updated_at)s)
ON CONFLICT (id) DO UPDATE SET
    title = EXCLUDED.title, description = EXCLUDED.description,
    bbox_west = EXCLUDED.bbox_west, bbox_south = EXCLUDED.bbox_south,
    bbox_east = EXCLUDED.bbox_east, bbox_north = EXCLUDED.bbox_north,
    temporal_start = EXCLUDED.temporal_start, temporal_end = EXCLUDED.temporal_end, license = EXCLUDED.license,
    keywords = EXCLUDED.keywords, providers = EXCLUDED.providers, etl_job_id = EXCLUDED.etl_job_id,
    stac_collection_id = EXCLUDED.stac_collection_id, source_blob = EXCLUDED.source_blob, blob_path = EXCLUDED.blob_path,
    size_bytes = EXCLUDED.size_bytes, band_count = EXCLUDED.band_count, dtype = EXCLUDED.dtype, nodata = EXCLUDED.nodata,
    crs = EXCLUDED.crs, resolution_x = EXCLUDED.resolution_x, resolution_y = EXCLUDED.resolution_y,
    width = EXCLUDED.width, height = EXCLUDED.height, band_descriptions = EXCLUDED.band_descriptions,
    color_interpretation = EXCLUDED.color_interpretation, cog_profile = EXCLUDED.cog_profile,
    compression = EXCLUDED.compression, overview_levels = EXCLUDED.overview_levels, raster_type = EXCLUDED.raster_type,
    inferred_type = EXCLUDED.inferred_type, type_confidence = EXCLUDED.type_confidence,
    type_reasons = EXCLUDED.type_reasons, band_statistics = EXCLUDED.band_statistics,
    custom_properties = EXCLUDED.custom_properties, updated_at = EXCLUDED.updated_at;
