-- ACLED conflict events (docs/curated.md "ACLED"): the seeded registry entry, the
-- tokens a job's tasks share, staging tables the stale-staging sweep knows, and a place in
-- the update log for what an update noticed (e.g. events without a possible position).

-- One OAuth token per update job, shared by its tasks. It lives here, not in task
-- parameters, results or events: those are what the jobs API shows. Rows go when the
-- job's update is recorded; a failed job's row is purged by the next ACLED check.
CREATE TABLE app.source_tokens (
    job_id         text        NOT NULL,
    source         text        NOT NULL CHECK (source ~ '^[a-z][a-z0-9_]{0,62}$'),
    access_token   text        NOT NULL,
    refresh_token  text,
    expires_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, source)
);

-- ACLED's staging tables (events read, deletions read) are swept like the vector pipeline's.
ALTER TABLE app.vector_staging DROP CONSTRAINT vector_staging_kind_check;
ALTER TABLE app.vector_staging ADD CONSTRAINT vector_staging_kind_check
    CHECK (kind IN ('points', 'lines', 'polygons', 'acled_events', 'acled_deleted'));

ALTER TABLE app.curated_update_log ADD COLUMN details jsonb;

-- As in 0022, with `details` at the end (CREATE OR REPLACE VIEW may only add columns there).
CREATE OR REPLACE VIEW app.curated_update_history AS
SELECT l.log_id, l.dataset_id, l.job_id, l.update_type, l.source_version, l.records_added, l.records_updated,
       l.records_deleted, l.records_total,
       CASE WHEN l.status = 'started' AND j.status IN ('failed', 'cancelled') THEN 'failed' ELSE l.status END AS status,
       coalesce(l.error, CASE WHEN l.status = 'started' THEN j.error END) AS error,
       l.started_at, coalesce(l.completed_at, CASE WHEN l.status = 'started' THEN j.completed_at END) AS completed_at,
       coalesce(l.duration_seconds,
                CASE WHEN l.status = 'started' THEN extract(epoch FROM j.completed_at - l.started_at) END) AS duration_seconds,
       l.details
FROM app.curated_update_log l
LEFT JOIN app.jobs j ON j.job_id = l.job_id;

-- Disabled until ACLED_EMAIL and ACLED_PASSWORD are set (then: POST …/acled/enable).
-- An install that already registered an `acled` entry (or its table) keeps its own.
INSERT INTO app.curated_datasets (dataset_id, name, description, source_type, source_url, source_config,
                                  update_strategy, key_columns, update_schedule, credential_settings, target_table,
                                  enabled)
VALUES ('acled', 'ACLED conflict events',
        'Armed Conflict Location & Event Data: political violence, demonstrations and strategic developments, '
        'one point per event, kept equal to the source (new, revised and deleted events) twice a week.',
        'api', NULL, '{"handler": "acled", "start_date": "2018-01-01", "style": "acled_event_types"}',
        'upsert', '{event_id_cnty}', '0 3 * * 1,4', '{ACLED_EMAIL,ACLED_PASSWORD}', 'curated_acled_events', false)
ON CONFLICT DO NOTHING;
