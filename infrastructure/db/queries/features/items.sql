-- table: geo.<name> (validated against geo.table_metadata); attributes: the attribute
-- columns as t."name", ...; where: a bbox filter (none, one envelope, or two across the
-- antimeridian) or, for one feature, its id.
SELECT json_build_object(
           'type', 'Feature',
           'id', t.id,
           'geometry', ST_AsGeoJSON(t.geom, 9)::json,
           'properties', (SELECT to_jsonb(a) FROM (SELECT {attributes}) a)
       ) AS feature
FROM {table} t
WHERE {where}
ORDER BY t.id
LIMIT %(limit)s OFFSET %(offset)s;
