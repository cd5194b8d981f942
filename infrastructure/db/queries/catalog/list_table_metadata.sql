SELECT * FROM geo.table_metadata ORDER BY table_name LIMIT %(limit)s OFFSET %(offset)s;
