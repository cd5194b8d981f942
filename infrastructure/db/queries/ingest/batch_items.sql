-- As text: the register stage parses it with orjson, much faster than psycopg's json.
SELECT item_id, item::text AS item, assets
FROM app.ingest_items
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND batch = %(batch)s
ORDER BY item_id;
