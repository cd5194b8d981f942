SELECT count(*) AS total FROM geo.table_metadata;
