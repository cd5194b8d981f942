INSERT INTO h3.aggregations (source_id, resolution, collection_id, title, source, raster_type, categorical, statistics,
                             area, cell_count, bbox_west, bbox_south, bbox_east, bbox_north, job_id, attempt,
                             stac_collection_id, computed_at)
VALUES (%(source_id)s, %(resolution)s, %(collection_id)s, %(title)s, %(source)s, %(raster_type)s, %(categorical)s,
        %(statistics)s, %(area)s, %(cell_count)s, %(bbox_west)s, %(bbox_south)s, %(bbox_east)s, %(bbox_north)s,
        %(job_id)s, %(attempt)s, %(stac_collection_id)s, now())
ON CONFLICT (source_id, resolution) DO UPDATE SET
    collection_id = EXCLUDED.collection_id, title = EXCLUDED.title, source = EXCLUDED.source,
    raster_type = EXCLUDED.raster_type, categorical = EXCLUDED.categorical, statistics = EXCLUDED.statistics,
    area = EXCLUDED.area, cell_count = EXCLUDED.cell_count, bbox_west = EXCLUDED.bbox_west,
    bbox_south = EXCLUDED.bbox_south, bbox_east = EXCLUDED.bbox_east, bbox_north = EXCLUDED.bbox_north,
    job_id = EXCLUDED.job_id, attempt = EXCLUDED.attempt, stac_collection_id = EXCLUDED.stac_collection_id,
    computed_at = EXCLUDED.computed_at
RETURNING *;
