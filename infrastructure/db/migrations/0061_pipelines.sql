-- Pipelines as data (docs/pipelines.md): immutable versions of a definition; the latest
-- version of a name is the pipeline, unless it is archived. Runs are ordinary jobs of
-- type 'pipeline:<name>@<version>'.

CREATE TABLE app.pipelines (
    name             text        NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    version          integer     NOT NULL CHECK (version > 0),
    description      text        NOT NULL DEFAULT '',
    definition       jsonb       NOT NULL,
    digest           text        NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),  -- sha256 of the canonical definition
    owner            text        NOT NULL,     -- who may save versions and archive it (the first saver)
    created_by       text        NOT NULL,     -- who saved this version; scheduled runs run as them
    created_by_role  text        NOT NULL CHECK (created_by_role IN ('submitter', 'admin')),
    schedule         text,                      -- the definition's cron (UTC), copied out for the scheduler
    created_at       timestamptz NOT NULL DEFAULT now(),
    archived_at      timestamptz,
    PRIMARY KEY (name, version)
);
-- The scheduler reads the latest version of each scheduled pipeline.
CREATE INDEX pipelines_scheduled_idx ON app.pipelines (name, version DESC) WHERE schedule IS NOT NULL;

-- When the scheduler last looked at a pipeline: a fire time after it is due (one job for
-- the latest, however many were missed), as for curated datasets.
CREATE TABLE app.pipeline_schedules (
    name             text        PRIMARY KEY,
    last_checked_at  timestamptz NOT NULL
);
