-- Claim due tasks; SKIP LOCKED lets many workers claim at once without waiting on each other.
WITH picked AS (
    SELECT task_id FROM app.tasks
    WHERE status = 'queued' AND next_attempt_at <= now()
    ORDER BY next_attempt_at, task_id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE app.tasks t
SET status = 'running', tries = t.tries + 1, worker_id = %(worker_id)s, started_at = now(),
    lease_until = now() + make_interval(secs => LEAST(%(lease_seconds)s, t.timeout_seconds))
FROM picked
WHERE t.task_id = picked.task_id
RETURNING t.task_id, t.job_id, t.attempt, t.stage, t.task_index, t.task_type, t.parameters,
          t.tries, t.max_tries, t.timeout_seconds, t.started_at,
          (SELECT j.job_type FROM app.jobs j WHERE j.job_id = t.job_id) AS job_type;
