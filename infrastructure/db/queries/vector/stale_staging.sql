-- Staging tables nobody will publish: earlier attempts of this job, and loads whose job
-- has finished (failed, cancelled, or completed without publishing that kind).
SELECT s.job_id, s.attempt, s.kind, s.staging_table
FROM app.vector_staging s
LEFT JOIN app.jobs j ON j.job_id = s.job_id
WHERE (s.job_id = %(job_id)s AND s.attempt < %(attempt)s)
   OR j.job_id IS NULL
   OR j.status NOT IN ('queued', 'processing')
   OR j.attempt > s.attempt;
