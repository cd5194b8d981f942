SELECT pgstac.upsert_item(%(item)s);
