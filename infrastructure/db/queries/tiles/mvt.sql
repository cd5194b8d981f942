-- One Mapbox Vector Tile of a published table (docs/maps.md). table: geo.<name> from the
-- catalog; attributes: t."column", ... ; where: the request's filters (or true).
-- Generalized for the zoom: features whose box is smaller than min_size (degrees) both
-- ways are left out (a point's box is empty: points always stay), the rest simplified in
-- degrees before projection, so ST_Transform and the encoder see few vertices at low zooms.
-- The search box is the tile plus its buffer, in degrees (Web Mercator keeps boxes boxes).
-- Geometries reaching beyond Web Mercator's ±85.05° are clipped first (the poles do not project).
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS mercator,
           ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326) AS degrees
),
shaped AS (
    SELECT t.id, {attributes},
           ST_AsMVTGeom(ST_Transform(ST_Simplify(
               CASE WHEN ST_YMin(t.geom) < -85.0511 OR ST_YMax(t.geom) > 85.0511
                    THEN ST_ClipByBox2D(t.geom, ST_MakeEnvelope(-180, -85.0511, 180, 85.0511, 4326))
                    ELSE t.geom END, %(tolerance)s, true), 3857), b.mercator,
                        %(extent)s, %(buffer)s, true) AS geom
    FROM {table} t, bounds b
    WHERE t.geom && b.degrees
      AND ({where})
      AND (ST_XMax(t.geom) - ST_XMin(t.geom) >= %(min_size)s
           OR ST_YMax(t.geom) - ST_YMin(t.geom) >= %(min_size)s
           OR (ST_XMax(t.geom) = ST_XMin(t.geom) AND ST_YMax(t.geom) = ST_YMin(t.geom)))
)
SELECT ST_AsMVT(shaped, %(layer)s, %(extent)s, 'geom', 'id') AS tile FROM shaped WHERE geom IS NOT NULL;
