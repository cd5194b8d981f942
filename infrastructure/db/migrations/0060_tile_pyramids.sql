-- Vector tile pyramids (docs/maps.md): a large table's low-zoom tiles (z0 to z6, unfiltered)
-- made once per table version, in the background, and served from here: at those zooms
-- one tile covers thousands of features, too many to encode while a map waits.
CREATE SCHEMA IF NOT EXISTS tiles;
COMMENT ON SCHEMA tiles IS 'GeoETL vector tile pyramids: low-zoom tiles of large geo tables, per table version';

CREATE TABLE tiles.pyramids (
    table_name  text PRIMARY KEY,            -- geo.<table_name>
    version     timestamptz NOT NULL,        -- the geo.table_metadata.updated_at it was made from
    max_zoom    smallint    NOT NULL CHECK (max_zoom BETWEEN 0 AND 24),
    tiles       integer     NOT NULL CHECK (tiles >= 0),       -- non-empty tiles stored
    bytes       bigint      NOT NULL CHECK (bytes >= 0),
    seconds     real        NOT NULL CHECK (seconds >= 0),
    built_at    timestamptz NOT NULL DEFAULT now()
);

-- Rows of a version being made stay invisible (no registered pyramid names it) until it is
-- registered; then the previous version's rows are deleted. Absent row = empty tile.
CREATE TABLE tiles.pyramid_tiles (
    table_name  text        NOT NULL,
    version     timestamptz NOT NULL,
    z           smallint    NOT NULL,
    x           integer     NOT NULL,
    y           integer     NOT NULL,
    tile        bytea       NOT NULL,
    PRIMARY KEY (table_name, version, z, x, y)
);
