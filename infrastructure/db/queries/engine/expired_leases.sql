SELECT t.task_id, t.job_id, t.attempt, t.stage, t.task_index, t.task_type, t.parameters,
       t.tries, t.max_tries, t.timeout_seconds, t.started_at, j.job_type,
       (j.status IN ('queued', 'processing') AND j.attempt = t.attempt) AS job_active,
       now() >= t.started_at + make_interval(secs => t.timeout_seconds) AS timed_out
FROM app.tasks t JOIN app.jobs j ON j.job_id = t.job_id
WHERE t.status = 'running' AND t.lease_until < now()
  AND (%(job_id)s::text IS NULL OR t.job_id = %(job_id)s)
ORDER BY t.lease_until
LIMIT %(limit)s
FOR UPDATE OF t SKIP LOCKED;
