-- Access control: API keys with roles, who submitted each job, and who owns what is
-- published (docs/security.md).

-- Keys are stored as the sha256 of the key, never the key: a key is 256 random bits, so
-- a plain digest cannot be brute-forced and lets a request be matched with one lookup.
CREATE TABLE app.api_keys (
    name          text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    role          text        NOT NULL CHECK (role IN ('reader', 'submitter', 'admin')),
    key_hash      text        NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    key_hint      text        NOT NULL,        -- the first characters, so a person can tell keys apart
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    last_used_at  timestamptz
);

-- submitted_by: the principal that asked (key:alice, admin, system:scheduler);
-- owner: who owns what the job publishes (the submitter, or curated:<dataset>).
ALTER TABLE app.jobs
    ADD COLUMN submitted_by text NOT NULL DEFAULT 'system',
    ADD COLUMN owner        text NOT NULL DEFAULT 'system',
    ADD COLUMN task_budget  integer CHECK (task_budget > 0);   -- most tasks an attempt may plan (NULL: no cap)
CREATE INDEX jobs_submitted_by_created_idx ON app.jobs (submitted_by, created_at DESC);

CREATE TABLE app.ownership (
    resource_kind  text        NOT NULL CHECK (resource_kind IN ('table', 'raster', 'stac_collection', 'stac_item')),
    resource_name  text        NOT NULL,
    owner          text        NOT NULL,
    job_id         text,                    -- the job that claimed it last
    claimed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (resource_kind, resource_name)
);

-- What existed before ownership: curated targets belong to their datasets, the shared
-- catalogs to the platform, anything else to 'legacy' (only an admin takeover replaces it).
INSERT INTO app.ownership (resource_kind, resource_name, owner)
SELECT 'table', m.table_name, coalesce('curated:' || c.dataset_id, 'legacy')
FROM geo.table_metadata m
LEFT JOIN app.curated_datasets c ON c.target_schema = 'geo' AND c.target_table = m.table_name
ON CONFLICT DO NOTHING;

INSERT INTO app.ownership (resource_kind, resource_name, owner)
VALUES ('stac_collection', 'vectors', 'platform'), ('stac_collection', 'rasters', 'platform')
ON CONFLICT DO NOTHING;

INSERT INTO app.ownership (resource_kind, resource_name, owner)
SELECT 'stac_collection', id, 'legacy' FROM pgstac.collections
ON CONFLICT DO NOTHING;

INSERT INTO app.ownership (resource_kind, resource_name, owner)
SELECT 'raster', id, 'legacy' FROM raster.cog_metadata
ON CONFLICT DO NOTHING;
