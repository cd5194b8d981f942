SELECT pgstac.delete_item(%(item_id)s, %(collection_id)s);
