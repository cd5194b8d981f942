INSERT INTO geo.table_metadata (
    table_name, base_name, title, description, bbox_west, bbox_south, bbox_east, bbox_north,
    temporal_start, temporal_end, temporal_property, license, keywords, providers, feature_count,
    geometry_type, source_crs, column_names, column_types, column_source_names, etl_job_id,
    etl_job_attempt, stac_collection_id, custom_properties, created_at, updated_at)
VALUES (
    %(table_name)s, %(base_name)s, %(title)s, %(description)s, %(bbox_west)s, %(bbox_south)s, %(bbox_east)s,
    %(bbox_north)s, %(temporal_start)s, %(temporal_end)s, %(temporal_property)s, %(license)s, %(keywords)s,
    %(providers)s, %(feature_count)s, %(geometry_type)s, %(source_crs)s, %(column_names)s, %(column_types)s,
    %(column_source_names)s, %(etl_job_id)s, %(etl_job_attempt)s, %(stac_collection_id)s, %(custom_properties)s,
    now(), now())
ON CONFLICT (table_name) DO UPDATE SET
    base_name = EXCLUDED.base_name, title = EXCLUDED.title, description = EXCLUDED.description,
    bbox_west = EXCLUDED.bbox_west, bbox_south = EXCLUDED.bbox_south, bbox_east = EXCLUDED.bbox_east,
    bbox_north = EXCLUDED.bbox_north, temporal_start = EXCLUDED.temporal_start, temporal_end = EXCLUDED.temporal_end,
    temporal_property = EXCLUDED.temporal_property, license = EXCLUDED.license, keywords = EXCLUDED.keywords,
    providers = EXCLUDED.providers, feature_count = EXCLUDED.feature_count, geometry_type = EXCLUDED.geometry_type,
    source_crs = EXCLUDED.source_crs, column_names = EXCLUDED.column_names, column_types = EXCLUDED.column_types,
    column_source_names = EXCLUDED.column_source_names, etl_job_id = EXCLUDED.etl_job_id,
    etl_job_attempt = EXCLUDED.etl_job_attempt, stac_collection_id = EXCLUDED.stac_collection_id,
    custom_properties = EXCLUDED.custom_properties, updated_at = now()
RETURNING *;
