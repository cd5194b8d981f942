SELECT updated_at FROM geo.table_metadata WHERE table_name = %(table_name)s;
