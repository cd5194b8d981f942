-- A job's stages (current attempt) with task counts by status.
SELECT s.stage, s.name, s.task_type, s.status, s.max_concurrency, s.total, s.completed, s.failed,
       s.started_at, s.completed_at,
       count(*) FILTER (WHERE t.status = 'running')   AS running,
       count(*) FILTER (WHERE t.status = 'queued')    AS queued,
       count(*) FILTER (WHERE t.status = 'pending')   AS pending,
       count(*) FILTER (WHERE t.status = 'cancelled') AS cancelled
FROM app.job_stages s
LEFT JOIN app.tasks t ON t.job_id = s.job_id AND t.attempt = s.attempt AND t.stage = s.stage
                     AND t.status IN ('running', 'queued', 'pending', 'cancelled')
WHERE s.job_id = %(job_id)s AND s.attempt = %(attempt)s
GROUP BY s.job_id, s.attempt, s.stage
ORDER BY s.stage;
