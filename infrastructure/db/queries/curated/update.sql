UPDATE app.curated_datasets
SET name = %(name)s, description = %(description)s, source_type = %(source_type)s, source_url = %(source_url)s,
    source_config = %(source_config)s, job_type = %(job_type)s, update_strategy = %(update_strategy)s,
    key_columns = %(key_columns)s, update_schedule = %(update_schedule)s, credential_settings = %(credential_settings)s,
    target_schema = %(target_schema)s, target_table = %(target_table)s, enabled = %(enabled)s, updated_at = now()
WHERE dataset_id = %(dataset_id)s
RETURNING *;
