INSERT INTO app.vector_staging (job_id, attempt, layer_group, kind, staging_table)
VALUES (%(job_id)s, %(attempt)s, %(layer_group)s, %(kind)s, %(staging_table)s)
ON CONFLICT (job_id, attempt, layer_group, kind) DO UPDATE SET staging_table = EXCLUDED.staging_table, created_at = now();
