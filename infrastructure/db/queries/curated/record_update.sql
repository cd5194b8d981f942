UPDATE app.curated_datasets
SET source_version = %(source_version)s, last_updated_at = now(), last_job_id = %(job_id)s, updated_at = now()
WHERE dataset_id = %(dataset_id)s;
