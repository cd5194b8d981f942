-- table: geo.<name> (validated against geo.table_metadata); attributes: the selected
-- attribute columns as t."name", ...; where: a bbox filter (none, one envelope, or two
-- across the antimeridian) and the compiled filters (datetime, equality, CQL2) or, for
-- one feature, its id; order: the sortby keys, then t.id.
SELECT json_build_object(
           'type', 'Feature',
           'id', t.id,
           'geometry', ST_AsGeoJSON(t.geom, 9)::json,
           'properties', (SELECT to_jsonb(a) FROM (SELECT {attributes}) a)
       ) AS feature
FROM {table} t
WHERE {where}
ORDER BY {order}
LIMIT %(limit)s OFFSET %(offset)s;
