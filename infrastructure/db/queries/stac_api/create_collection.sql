SELECT pgstac.create_collection(%(collection)s);
