SELECT pgstac.all_collections() AS collections;
