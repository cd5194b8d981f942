-- Collection ingestion: the inventory's staging rows and the H3 source catalog.

-- What an ingest_collection inventory found: one row per validated STAC item, read by
-- the copy and register stages by (job, attempt, batch), so item lists never travel in
-- task parameters or messages. Rows of a job attempt are removed by its finalize stage
-- and by the inventory of a later attempt.
CREATE TABLE app.ingest_items (
    job_id       text    NOT NULL REFERENCES app.jobs ON DELETE CASCADE,
    attempt      integer NOT NULL,
    item_id      text    NOT NULL,
    batch        integer NOT NULL CHECK (batch >= 0),
    source_blob  text    NOT NULL,        -- the item's JSON in the source container
    item         jsonb   NOT NULL,        -- the validated item as read (hrefs untouched)
    assets       jsonb   NOT NULL,        -- [{key, source_blob, target_blob}] to copy
    PRIMARY KEY (job_id, attempt, item_id)
);
CREATE INDEX ingest_items_batch_idx ON app.ingest_items (job_id, attempt, batch);

-- Sources an H3 aggregation can read: what the data is, how to aggregate it, and at
-- which H3 resolutions it is meaningful.
CREATE TABLE h3.source_catalog (
    id                  text PRIMARY KEY,
    title               text        NOT NULL,
    source_type         text        NOT NULL CHECK (source_type IN ('stac_collection', 'cog')),
    collection_id       text        NOT NULL,
    asset_key           text,
    data_type           text        NOT NULL
        CHECK (data_type IN ('rgb', 'rgba', 'multispectral', 'dem', 'categorical', 'continuous', 'unknown')),
    band_info           jsonb       NOT NULL DEFAULT '[]'::jsonb,   -- [{name, dtype, nodata, ...}]
    theme               text        NOT NULL,
    min_resolution      smallint    NOT NULL CHECK (min_resolution BETWEEN 0 AND 15),
    max_resolution      smallint    NOT NULL CHECK (max_resolution BETWEEN 0 AND 15),
    aggregation_method  text        NOT NULL CHECK (aggregation_method IN ('mean', 'mode', 'sum', 'min', 'max')),
    spatial_extent      geometry(Polygon, 4326) NOT NULL,
    item_count          integer     NOT NULL DEFAULT 0 CHECK (item_count >= 0),
    etl_job_id          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (min_resolution <= max_resolution)
);
CREATE INDEX source_catalog_collection_idx ON h3.source_catalog (collection_id);
CREATE INDEX source_catalog_extent_idx ON h3.source_catalog USING gist (spatial_extent);
