SELECT pgstac.search(%(search)s) AS result;
