-- What a register task just upserted, by content, for the next ingestion's inventory:
-- copied from the staging rows on the server (no arrays of thousands of values sent).
INSERT INTO app.ingest_registered (collection_id, item_id, content_hash, job_id)
SELECT collection_id, item_id, content_hash, job_id
FROM app.ingest_items
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND batch = ANY(%(batches)s) AND item IS NOT NULL
ON CONFLICT (collection_id, item_id) DO UPDATE
SET content_hash = EXCLUDED.content_hash, job_id = EXCLUDED.job_id, registered_at = now();
