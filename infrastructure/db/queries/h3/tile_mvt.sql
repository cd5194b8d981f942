-- One Mapbox Vector Tile of H3 cells. PostGIS has no h3 extension: the hexagons are made
-- in Python from the cell ids and arrive here as Web Mercator WKB (already clipped to
-- ±85.05°), with one array per property; ST_AsMVT leaves NULL properties out.
WITH shaped AS (
    SELECT u.cell, u.count, u.sum, u.mean, u.min, u.max, u.stddev, u.majority, u.coverage,
           ST_AsMVTGeom(ST_GeomFromWKB(u.wkb, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                        %(extent)s, %(buffer)s, true) AS geom
    FROM unnest(%(wkb)s::bytea[], %(cell)s::text[], %(count)s::float8[], %(sum)s::float8[], %(mean)s::float8[],
                %(min)s::float8[], %(max)s::float8[], %(stddev)s::float8[], %(majority)s::float8[],
                %(coverage)s::float8[])
         AS u(wkb, cell, count, sum, mean, min, max, stddev, majority, coverage)
)
SELECT ST_AsMVT(shaped, %(layer)s, %(extent)s, 'geom') AS tile FROM shaped WHERE geom IS NOT NULL;
