-- The batches' changed items, ready to load; as text, parsed with orjson (much faster
-- than psycopg's json).
SELECT item
FROM app.ingest_items
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND batch = ANY(%(batches)s) AND item IS NOT NULL
ORDER BY batch, item_id;
