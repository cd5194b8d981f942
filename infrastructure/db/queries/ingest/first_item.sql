-- The first staged item among the batches that were registered.
SELECT item::text AS item, assets
FROM app.ingest_items
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND batch = ANY(%(batches)s)
ORDER BY batch, item_id
LIMIT 1;
