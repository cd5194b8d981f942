-- The batch's changed items; as text, parsed with orjson (much faster than psycopg's json).
SELECT collection_id, item_id, item, assets, content_hash
FROM app.ingest_items
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND batch = %(batch)s AND item IS NOT NULL
ORDER BY item_id;
