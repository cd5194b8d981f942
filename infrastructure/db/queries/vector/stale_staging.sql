-- Staging tables nobody will publish: earlier attempts, jobs gone or finished. A failed or
-- cancelled job keeps its staging for a while, so an admin `retry` can still finish it.
SELECT s.job_id, s.attempt, s.kind, s.staging_table
FROM app.vector_staging s
LEFT JOIN app.jobs j ON j.job_id = s.job_id
WHERE (s.job_id = %(job_id)s AND s.attempt < %(attempt)s)
   OR j.job_id IS NULL
   OR j.attempt > s.attempt
   OR j.status IN ('completed', 'completed_with_errors')
   OR (j.status IN ('failed', 'cancelled') AND j.updated_at < now() - %(retention_hours)s * interval '1 hour');
