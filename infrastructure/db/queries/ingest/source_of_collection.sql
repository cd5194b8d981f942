-- The collection's H3 entry, when this run registered nothing to describe it from
-- (every item unchanged, or an earlier try of finalize already dropped the rows).
SELECT id, data_type FROM h3.source_catalog
WHERE collection_id = %(collection_id)s
ORDER BY (etl_job_id = %(job_id)s) DESC, updated_at DESC
LIMIT 1;
