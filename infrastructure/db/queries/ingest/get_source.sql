SELECT id, title, source_type, collection_id, asset_key, data_type, band_info, theme, min_resolution, max_resolution,
       aggregation_method, ST_AsGeoJSON(spatial_extent)::jsonb AS spatial_extent, item_count, etl_job_id,
       created_at, updated_at
FROM h3.source_catalog
WHERE id = %(id)s;
