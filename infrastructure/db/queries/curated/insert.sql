INSERT INTO app.curated_datasets (dataset_id, name, description, source_type, source_url, source_config, job_type,
                                  update_strategy, key_columns, update_schedule, credential_settings,
                                  target_schema, target_table, enabled)
VALUES (%(dataset_id)s, %(name)s, %(description)s, %(source_type)s, %(source_url)s, %(source_config)s, %(job_type)s,
        %(update_strategy)s, %(key_columns)s, %(update_schedule)s, %(credential_settings)s,
        %(target_schema)s, %(target_table)s, %(enabled)s)
ON CONFLICT DO NOTHING
RETURNING *;
