-- The declared type of a table's geom column, as PostGIS names it (e.g. MultiPolygon, Geometry).
SELECT postgis_typmod_type(a.atttypmod) AS type
FROM pg_attribute a
WHERE a.attrelid = to_regclass(format('%%I.%%I', %(schema)s::text, %(table)s::text)) AND a.attname = 'geom'
  AND NOT a.attisdropped;
