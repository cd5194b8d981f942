SELECT pgstac.get_collection(%(collection_id)s) AS collection;
