-- table: geo_staging.<name>; geometry_type: MultiPoint, MultiLineString or MultiPolygon;
-- columns: ", <name> <type>" per attribute column (names quoted, types from our own list).
CREATE TABLE {table} (
    id   bigint NOT NULL,
    geom geometry({geometry_type}, 4326) NOT NULL
    {columns}
);
