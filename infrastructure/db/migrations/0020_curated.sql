-- Curated reference datasets: the registry, its update history, and the seeded entries.
-- Credentials are referenced by setting NAME (e.g. IBAT_AUTH_KEY), never stored.

CREATE TABLE app.curated_datasets (
    dataset_id          text PRIMARY KEY CHECK (dataset_id ~ '^[a-z][a-z0-9_]{0,62}$'),
    name                text        NOT NULL,
    description         text        NOT NULL DEFAULT '',
    source_type         text        NOT NULL CHECK (source_type IN ('api', 'manual', 'url')),
    source_url          text,
    source_config       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    job_type            text        NOT NULL DEFAULT 'curated_update',
    update_strategy     text        NOT NULL DEFAULT 'full_replace' CHECK (update_strategy IN ('full_replace', 'upsert')),
    key_columns         text[]      NOT NULL DEFAULT '{}',
    update_schedule     text,                                   -- cron (UTC); NULL: manual only
    credential_settings text[]      NOT NULL DEFAULT '{}',      -- setting names, never values
    target_schema       text        NOT NULL DEFAULT 'geo' CHECK (target_schema ~ '^[a-z][a-z0-9_]{0,62}$'),
    target_table        text        NOT NULL CHECK (target_table ~ '^curated_[a-z0-9_]{1,54}$'),
    enabled             boolean     NOT NULL DEFAULT true,
    source_version      text,
    last_checked_at     timestamptz,
    last_updated_at     timestamptz,
    last_job_id         text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (update_strategy <> 'upsert' OR cardinality(key_columns) > 0),
    UNIQUE (target_schema, target_table)
);

CREATE TABLE app.curated_update_log (
    log_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset_id        text        NOT NULL REFERENCES app.curated_datasets ON DELETE CASCADE,
    job_id            text        NOT NULL,
    update_type       text        NOT NULL CHECK (update_type IN ('scheduled', 'manual')),
    source_version    text,
    records_added     integer,
    records_updated   integer,
    records_deleted   integer,
    records_total     integer,
    status            text        NOT NULL CHECK (status IN ('started', 'skipped', 'completed', 'failed')),
    error             text,
    started_at        timestamptz NOT NULL DEFAULT now(),
    completed_at      timestamptz,
    duration_seconds  double precision,
    UNIQUE (job_id)
);
CREATE INDEX curated_update_log_dataset_idx ON app.curated_update_log (dataset_id, started_at DESC);

INSERT INTO app.curated_datasets (dataset_id, name, description, source_type, source_url, source_config,
                                  update_strategy, update_schedule, credential_settings, target_table)
VALUES
    ('wdpa', 'World Database on Protected Areas',
     'Protected areas (polygons and points) from the IBAT API, UNEP-WCMC and IUCN.',
     'api', NULL, '{"handler": "ibat_wdpa", "dataset": "wdpa", "style": "iucn_categories"}',
     'full_replace', '0 2 * * *', '{IBAT_AUTH_KEY,IBAT_AUTH_TOKEN}', 'curated_wdpa_protected_areas'),
    ('kba', 'Key Biodiversity Areas',
     'Key Biodiversity Areas from the IBAT API, KBA Partnership.',
     'api', NULL, '{"handler": "ibat_kba", "dataset": "kba", "style": "kba_status"}',
     'full_replace', '0 2 * * *', '{IBAT_AUTH_KEY,IBAT_AUTH_TOKEN}', 'curated_kbas'),
    ('admin0', 'Natural Earth Admin 0 – Countries',
     'Country boundaries from Natural Earth (public domain); upload the file, then trigger.',
     'manual', NULL, '{"handler": "file"}', 'full_replace', NULL, '{}', 'curated_admin0'),
    ('admin1', 'Natural Earth Admin 1 – States, Provinces',
     'First-level subdivisions from Natural Earth (public domain); upload the file, then trigger.',
     'manual', NULL, '{"handler": "file"}', 'full_replace', NULL, '{}', 'curated_admin1');
