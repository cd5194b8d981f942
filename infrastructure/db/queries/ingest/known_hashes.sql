-- Items already registered with exactly this content (same bytes, same place, same
-- target) and still in pgSTAC: the inventory skips them.
SELECT r.content_hash, r.item_id
FROM app.ingest_registered r
WHERE r.collection_id = %(collection_id)s
  AND r.content_hash = ANY(%(hashes)s)
  AND EXISTS (SELECT 1 FROM pgstac.items i WHERE i.collection = r.collection_id AND i.id = r.item_id);
