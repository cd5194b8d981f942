SELECT json_build_object(
           'type', 'Feature',
           'id', t.id,
           'geometry', ST_AsGeoJSON(t.geom, 9)::json,
           'properties', (SELECT to_jsonb(a) FROM (SELECT {attributes}) a)
       ) AS feature
FROM {table} t
WHERE t.id = %(fid)s;
