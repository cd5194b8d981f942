INSERT INTO h3.source_catalog (id, title, source_type, collection_id, asset_key, data_type, band_info, theme,
                               min_resolution, max_resolution, aggregation_method, spatial_extent, item_count, etl_job_id)
VALUES (%(id)s, %(title)s, %(source_type)s, %(collection_id)s, %(asset_key)s, %(data_type)s, %(band_info)s, %(theme)s,
        %(min_resolution)s, %(max_resolution)s, %(aggregation_method)s,
        ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326), %(item_count)s, %(etl_job_id)s)
ON CONFLICT (id) DO UPDATE SET
    title = EXCLUDED.title,
    source_type = EXCLUDED.source_type,
    collection_id = EXCLUDED.collection_id,
    asset_key = EXCLUDED.asset_key,
    data_type = EXCLUDED.data_type,
    band_info = EXCLUDED.band_info,
    theme = EXCLUDED.theme,
    min_resolution = EXCLUDED.min_resolution,
    max_resolution = EXCLUDED.max_resolution,
    aggregation_method = EXCLUDED.aggregation_method,
    spatial_extent = EXCLUDED.spatial_extent,
    item_count = EXCLUDED.item_count,
    etl_job_id = EXCLUDED.etl_job_id,
    updated_at = now();
