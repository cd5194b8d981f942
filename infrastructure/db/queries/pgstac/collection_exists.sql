SELECT EXISTS (SELECT 1 FROM pgstac.collections WHERE id = %(collection_id)s) AS exists;
