SELECT item_id, assets
FROM app.ingest_items
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND batch = %(batch)s
ORDER BY item_id;
