-- H3 zonal aggregation: raster statistics per H3 cell, the aggregations that made them,
-- and the per-attempt staging rows the cell tasks write before the swap.

-- One row per cell of a published aggregation: (source, resolution) is replaced as a
-- whole by the job that made it (staging -> swap in one transaction). The hexagon is not
-- stored: it is generated from the cell id on read. `extent` is the cell's lon/lat
-- bounding box (two boxes for a cell across the antimeridian), kept only so a bbox
-- filter can use an index.
CREATE TABLE h3.zonal_stats (
    source_id    text             NOT NULL,
    resolution   smallint         NOT NULL CHECK (resolution BETWEEN 0 AND 15),
    cell         bigint           NOT NULL,
    count        double precision NOT NULL CHECK (count > 0),   -- valid pixels, weighted by the share covered
    sum          double precision,
    mean         double precision,
    min          double precision,
    max          double precision,
    stddev       double precision,
    majority     double precision,                             -- categorical rasters: the class covering most
    fractions    jsonb,                                        -- categorical rasters: {class: share}, summing to 1
    coverage     double precision NOT NULL CHECK (coverage >= 0), -- share of the cell's area with valid data
    extent       geometry(Geometry, 4326) NOT NULL,
    job_id       text             NOT NULL,
    computed_at  timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, resolution, cell)
);
CREATE INDEX zonal_stats_extent_idx ON h3.zonal_stats USING gist (extent);

-- What the cell tasks of one job attempt wrote; the publish stage moves them into
-- h3.zonal_stats and deletes them. Keyed by (job, attempt, cell): a retried task writes
-- the same rows again instead of adding to them.
CREATE TABLE h3.zonal_stats_staging (
    job_id       text             NOT NULL REFERENCES app.jobs ON DELETE CASCADE,
    attempt      integer          NOT NULL,
    cell         bigint           NOT NULL,
    count        double precision NOT NULL,
    sum          double precision,
    mean         double precision,
    min          double precision,
    max          double precision,
    stddev       double precision,
    majority     double precision,
    fractions    jsonb,
    coverage     double precision NOT NULL,
    extent       geometry(Geometry, 4326) NOT NULL,
    PRIMARY KEY (job_id, attempt, cell)
);

-- One row per published aggregation: the OGC collection and STAC item describing it.
CREATE TABLE h3.aggregations (
    source_id          text        NOT NULL,
    resolution         smallint    NOT NULL CHECK (resolution BETWEEN 0 AND 15),
    collection_id      text        NOT NULL UNIQUE,   -- OGC collection and STAC item id
    title              text        NOT NULL,
    source             jsonb       NOT NULL,          -- {kind, id, blob, band, ...} as resolved
    raster_type        text        NOT NULL,
    categorical        boolean     NOT NULL,
    statistics         text[]      NOT NULL,
    area               jsonb       NOT NULL,          -- the area as asked: {kind, ...}
    cell_count         integer     NOT NULL CHECK (cell_count >= 0),
    bbox_west          double precision NOT NULL,
    bbox_south         double precision NOT NULL,
    bbox_east          double precision NOT NULL,
    bbox_north         double precision NOT NULL,
    job_id             text        NOT NULL,
    attempt            integer     NOT NULL,
    stac_collection_id text        NOT NULL,
    computed_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, resolution)
);

COMMENT ON SCHEMA h3 IS 'GeoETL H3 aggregation: source catalog, zonal statistics per cell, aggregations';
