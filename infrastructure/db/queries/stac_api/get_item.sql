SELECT pgstac.get_item(%(item_id)s, %(collection_id)s) AS item;
