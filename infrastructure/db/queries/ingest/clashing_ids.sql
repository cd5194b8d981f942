-- Ids another part of this attempt already staged in the same collection.
SELECT item_id, source
FROM app.ingest_items
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND collection_id = %(collection_id)s
  AND item_id = ANY(%(item_ids)s) AND batch <> %(batch)s
ORDER BY item_id;
