-- A curated table being built in geo_staging: ids assigned by the insert, one geometry
-- column, then the target schema's columns (", <name> <type>" each, names quoted).
CREATE TABLE {table} (
    id   bigint NOT NULL,
    geom geometry({geometry_type}, 4326) NOT NULL
    {columns}
);
