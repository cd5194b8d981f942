-- Runs of a pipeline, every version: its job types are listed, so the job_type index serves.
SELECT j.*, s.name AS current_stage_name, count(*) OVER () AS total_count
FROM app.jobs j
LEFT JOIN app.job_stages s ON s.job_id = j.job_id AND s.attempt = j.attempt AND s.stage = j.current_stage
WHERE j.job_type = ANY(%(job_types)s)
ORDER BY j.created_at DESC, j.job_id
LIMIT %(limit)s OFFSET %(offset)s;
