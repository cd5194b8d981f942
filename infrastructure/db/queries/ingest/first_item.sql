-- The collection's first staged item among the batches that were registered.
SELECT item, assets
FROM app.ingest_items
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND collection_id = %(collection_id)s
  AND batch = ANY(%(batches)s) AND item IS NOT NULL
ORDER BY batch, item_id
LIMIT 1;
