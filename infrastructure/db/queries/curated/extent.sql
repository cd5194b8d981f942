SELECT count(*) AS rows, ST_XMin(ST_Extent(geom)) AS west, ST_YMin(ST_Extent(geom)) AS south,
       ST_XMax(ST_Extent(geom)) AS east, ST_YMax(ST_Extent(geom)) AS north, coalesce(max(id), 0) AS max_id
FROM {table};
