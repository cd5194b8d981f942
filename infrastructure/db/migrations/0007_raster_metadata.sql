-- Raster pipeline: one row per published COG, the RasterMetadata model as typed columns
-- (JSONB only for providers, per-band statistics and free-form custom properties).
CREATE TABLE raster.cog_metadata (
    id                    text PRIMARY KEY,
    title                 text,
    description           text,
    bbox_west             double precision,
    bbox_south            double precision,
    bbox_east             double precision,
    bbox_north            double precision,
    temporal_start        timestamptz,
    temporal_end          timestamptz,
    license               text,
    keywords              text[]      NOT NULL DEFAULT '{}',
    providers             jsonb       NOT NULL DEFAULT '[]'::jsonb,
    etl_job_id            text,
    stac_collection_id    text,
    source_blob           text        NOT NULL,   -- container/blob the COG was made from
    blob_path             text        NOT NULL,   -- container/blob of the COG
    size_bytes            bigint      CHECK (size_bytes >= 0),
    band_count            integer     NOT NULL CHECK (band_count >= 1),
    dtype                 text        NOT NULL,
    nodata                double precision,
    crs                   text,
    resolution_x          double precision,
    resolution_y          double precision,
    width                 integer     CHECK (width >= 1),
    height                integer     CHECK (height >= 1),
    band_descriptions     text[]      NOT NULL DEFAULT '{}',
    color_interpretation  text[]      NOT NULL DEFAULT '{}',
    cog_profile           text,
    compression           text,
    overview_levels       integer[]   NOT NULL DEFAULT '{}',
    raster_type           text        NOT NULL
        CHECK (raster_type IN ('rgb', 'rgba', 'multispectral', 'dem', 'categorical', 'continuous', 'unknown')),
    inferred_type         text        NOT NULL
        CHECK (inferred_type IN ('rgb', 'rgba', 'multispectral', 'dem', 'categorical', 'continuous', 'unknown')),
    type_confidence       real        NOT NULL CHECK (type_confidence BETWEEN 0 AND 1),
    type_reasons          text[]      NOT NULL DEFAULT '{}',
    band_statistics       jsonb       NOT NULL DEFAULT '[]'::jsonb,   -- [{minimum, maximum, mean, stddev}] per band
    custom_properties     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CHECK (temporal_start IS NULL OR temporal_end IS NULL OR temporal_start <= temporal_end)
);
CREATE INDEX cog_metadata_collection_idx ON raster.cog_metadata (stac_collection_id);
CREATE INDEX cog_metadata_source_idx ON raster.cog_metadata (source_blob);
