-- A freshly built table, read once: counts, the newest stamp, extents.
SELECT count(*) AS rows, count(*) FILTER (WHERE geom IS NULL) AS without_point,
       coalesce(max("timestamp"), 0) AS newest_timestamp,
       (array_agg(event_id_cnty ORDER BY event_id_cnty) FILTER (WHERE geom IS NULL))[1:10] AS without_point_sample,
       ST_XMin(ST_Extent(geom)) AS west, ST_YMin(ST_Extent(geom)) AS south,
       ST_XMax(ST_Extent(geom)) AS east, ST_YMax(ST_Extent(geom)) AS north
FROM {table};
