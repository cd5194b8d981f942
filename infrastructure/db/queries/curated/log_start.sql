-- One log row per update job (a re-run task finds it already there).
INSERT INTO app.curated_update_log (dataset_id, job_id, update_type, status)
VALUES (%(dataset_id)s, %(job_id)s, %(update_type)s, 'started')
ON CONFLICT (job_id) DO NOTHING;
