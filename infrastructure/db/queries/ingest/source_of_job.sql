-- The H3 entry an earlier try of this finalize task already wrote.
SELECT id, data_type FROM h3.source_catalog
WHERE collection_id = %(collection_id)s AND etl_job_id = %(job_id)s
ORDER BY updated_at DESC
LIMIT 1;
