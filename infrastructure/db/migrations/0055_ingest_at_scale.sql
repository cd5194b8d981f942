-- Collection ingestion at catalog scale (docs/ingest.md): the inventory is split into
-- parts read by many tasks, items are staged per collection with their content hash, and
-- the hashes of what was registered let a re-ingestion skip unchanged items.

-- What the discover stage planned: one row per inventory part (= one batch). A part is a
-- list of item files, a byte range of an NDJSON file, or a slice of an ItemCollection
-- (its features as NDJSON text: the document had to be read whole to be split).
CREATE TABLE app.ingest_parts (
    job_id        text    NOT NULL REFERENCES app.jobs ON DELETE CASCADE,
    attempt       integer NOT NULL,
    part          integer NOT NULL CHECK (part >= 0),
    collection_id text    NOT NULL,
    kind          text    NOT NULL CHECK (kind IN ('links', 'ndjson', 'features')),
    blob          text,            -- ndjson, features: the file (relative hrefs resolve against it)
    first_byte    bigint,          -- ndjson: lines starting in [first_byte, end_byte)
    end_byte      bigint,
    size          bigint,          -- ndjson: the file's size, so a range can read its last line
    links         text[],          -- links: the item files
    features      text,            -- features: one item per line
    first_feature integer,         -- features: the slice's first feature in the file (for messages)
    PRIMARY KEY (job_id, attempt, part),
    CHECK (kind <> 'links' OR links IS NOT NULL),
    CHECK (kind <> 'ndjson' OR (blob IS NOT NULL AND first_byte IS NOT NULL AND end_byte IS NOT NULL AND size IS NOT NULL)),
    CHECK (kind <> 'features' OR (blob IS NOT NULL AND features IS NOT NULL AND first_feature IS NOT NULL))
);

-- The staged items, now keyed by collection (a catalog may hold several) and carrying
-- the content hash of what was read. An unchanged item is staged without its document:
-- its row still takes its id, so a duplicate id is caught whichever copy changed.
-- Rows are transient (dropped by finalize), so the table is replaced, not altered.
DROP TABLE app.ingest_items;
CREATE TABLE app.ingest_items (
    job_id        text    NOT NULL REFERENCES app.jobs ON DELETE CASCADE,
    attempt       integer NOT NULL,
    collection_id text    NOT NULL,
    item_id       text    NOT NULL,
    batch         integer NOT NULL CHECK (batch >= 0),   -- the part it was read in
    source        text    NOT NULL,                      -- the file (and line) it came from
    content_hash  bytea   NOT NULL,
    item          text,                                  -- the validated item; null: unchanged
    assets        jsonb   NOT NULL DEFAULT '[]'::jsonb,  -- [{key, source_blob | url, target_blob}] to copy
    PRIMARY KEY (job_id, attempt, collection_id, item_id)
);
CREATE INDEX ingest_items_batch_idx ON app.ingest_items (job_id, attempt, batch);

-- What ingest_collection registered, by content: an item read again with the same bytes,
-- from the same place, for the same target, is skipped at inventory while pgSTAC still
-- holds it. Written after each batch's upsert.
CREATE TABLE app.ingest_registered (
    collection_id text        NOT NULL,
    item_id       text        NOT NULL,
    content_hash  bytea       NOT NULL,
    job_id        text,
    registered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (collection_id, item_id)
);
CREATE INDEX ingest_registered_hash_idx ON app.ingest_registered (collection_id, content_hash);
