-- Vector ETL: published-table metadata, external dataset references, and the
-- bookkeeping of in-flight loads (staging tables and loaded chunks).

-- Staging tables live apart from `geo`, so nothing that lists published tables ever
-- sees a half-loaded one; publishing moves a finished table into `geo` atomically.
CREATE SCHEMA IF NOT EXISTS geo_staging;
COMMENT ON SCHEMA geo_staging IS 'GeoETL vector loads in progress (moved to geo when published)';

-- One row per published table in `geo`: typed columns for everything the catalog
-- queries, JSONB only for providers and free-form custom properties.
CREATE TABLE geo.table_metadata (
    table_name          text PRIMARY KEY CHECK (table_name ~ '^[a-z][a-z0-9_]{0,62}$'),
    base_name           text        NOT NULL,   -- the job's table_name (a mixed source publishes <base>_points, ...)
    title               text,
    description         text,
    bbox_west           double precision,
    bbox_south          double precision,
    bbox_east           double precision,
    bbox_north          double precision,
    temporal_start      timestamptz,
    temporal_end        timestamptz,
    temporal_property   text,
    license             text,
    keywords            text[]      NOT NULL DEFAULT '{}',
    providers           jsonb       NOT NULL DEFAULT '[]'::jsonb,
    feature_count       bigint      NOT NULL DEFAULT 0 CHECK (feature_count >= 0),
    geometry_type       text        NOT NULL,
    source_crs          text,
    column_names        text[]      NOT NULL DEFAULT '{}',
    column_types        text[]      NOT NULL DEFAULT '{}',
    column_source_names text[]      NOT NULL DEFAULT '{}',
    etl_job_id          text,
    etl_job_attempt     integer,
    stac_collection_id  text,
    custom_properties   jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (cardinality(column_names) = cardinality(column_types)
           AND cardinality(column_names) = cardinality(column_source_names)),
    CHECK (temporal_start IS NULL OR temporal_end IS NULL OR temporal_start <= temporal_end)
);
CREATE INDEX table_metadata_base_name_idx ON geo.table_metadata (base_name);

-- Our datasets' identities in external catalogs (the DDH today). One DDH version may
-- map to several of our datasets (a mixed vector source publishes one table per kind).
CREATE TABLE app.dataset_refs (
    dataset_id       text        NOT NULL,   -- ours: a geo table name, a raster item id
    data_type        text        NOT NULL CHECK (data_type IN ('vector', 'raster', 'zarr')),
    ddh_dataset_id   text,
    ddh_resource_id  text,
    ddh_version_id   text,
    other_refs       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dataset_id, data_type),
    UNIQUE (ddh_dataset_id, ddh_resource_id, ddh_version_id, dataset_id),
    CHECK ((ddh_dataset_id IS NULL) = (ddh_resource_id IS NULL) AND (ddh_dataset_id IS NULL) = (ddh_version_id IS NULL))
);
CREATE INDEX dataset_refs_ddh_dataset_idx ON app.dataset_refs (ddh_dataset_id);

-- Staging tables of a load, so a later attempt or run can drop what a failed one left.
CREATE TABLE app.vector_staging (
    job_id         text        NOT NULL,
    attempt        integer     NOT NULL,
    kind           text        NOT NULL CHECK (kind IN ('points', 'lines', 'polygons')),
    staging_table  text        NOT NULL UNIQUE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, attempt, kind)
);

-- Chunks committed to staging, with their repair report: a chunk task that runs again
-- (retry, duplicate delivery) finds its row and returns the stored report unchanged.
CREATE TABLE app.vector_chunks (
    job_id     text        NOT NULL,
    attempt    integer     NOT NULL,
    chunk      integer     NOT NULL CHECK (chunk >= 0),
    report     jsonb       NOT NULL,
    loaded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, attempt, chunk)
);
