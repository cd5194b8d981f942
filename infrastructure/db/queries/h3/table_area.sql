-- table: geo.<name> (a published table, checked against geo.table_metadata); where: one
-- equality on a column the catalog lists, compared as text so any column type matches.
SELECT ST_AsBinary(ST_Union(t.geom)) AS area, count(*) AS features
FROM {table} t
WHERE {where};
