-- Tables an earlier load of the same base name published (a mixed source publishes several).
SELECT table_name FROM geo.table_metadata WHERE base_name = %(base_name)s;
