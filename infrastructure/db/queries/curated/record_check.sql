UPDATE app.curated_datasets SET last_checked_at = now(), last_job_id = %(job_id)s WHERE dataset_id = %(dataset_id)s;
