-- The copies a batch's changed items need (unchanged items need none).
SELECT item_id, assets
FROM app.ingest_items
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND batch = %(batch)s
  AND item IS NOT NULL AND assets <> '[]'::jsonb
ORDER BY item_id;
