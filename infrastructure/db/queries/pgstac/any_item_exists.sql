-- Whether the collection already holds any of these items (a new batch can be inserted
-- rather than upserted).
SELECT EXISTS (SELECT 1 FROM pgstac.items WHERE collection = %(collection_id)s AND id = ANY(%(item_ids)s)) AS exists;
