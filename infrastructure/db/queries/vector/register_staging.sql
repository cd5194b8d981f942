INSERT INTO app.vector_staging (job_id, attempt, kind, staging_table)
VALUES (%(job_id)s, %(attempt)s, %(kind)s, %(staging_table)s)
ON CONFLICT (job_id, attempt, kind) DO UPDATE SET staging_table = EXCLUDED.staging_table, created_at = now();
