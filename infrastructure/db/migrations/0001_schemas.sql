-- Extensions and the platform's schemas.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE SCHEMA IF NOT EXISTS app;     -- orchestration, registry, metrics, dataset refs
CREATE SCHEMA IF NOT EXISTS geo;     -- clean vector outputs and their metadata
CREATE SCHEMA IF NOT EXISTS raster;  -- raster (COG) metadata
CREATE SCHEMA IF NOT EXISTS h3;      -- H3 source catalog

COMMENT ON SCHEMA app IS 'GeoETL orchestration: jobs, stages, tasks, events, metrics, registries';
COMMENT ON SCHEMA geo IS 'GeoETL vector outputs (clean PostGIS tables) and table_metadata';
COMMENT ON SCHEMA raster IS 'GeoETL raster outputs: COG metadata';
COMMENT ON SCHEMA h3 IS 'GeoETL H3 aggregation: source catalog';
