-- What a register task just upserted, by content, for the next ingestion's inventory.
INSERT INTO app.ingest_registered (collection_id, item_id, content_hash, job_id)
SELECT c, i, h, %(job_id)s
FROM unnest(%(collection_ids)s::text[], %(item_ids)s::text[], %(hashes)s::bytea[]) AS t(c, i, h)
ON CONFLICT (collection_id, item_id) DO UPDATE
SET content_hash = EXCLUDED.content_hash, job_id = EXCLUDED.job_id, registered_at = now();
