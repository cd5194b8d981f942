-- Back to the queue after a retryable failure; it keeps its concurrency slot. Only while
-- its job attempt is still active: a cancelled job's task must not come back.
UPDATE app.tasks t
SET status = 'queued', error = %(error)s, lease_until = NULL, worker_id = NULL,
    next_attempt_at = now() + make_interval(secs => %(delay_seconds)s)
WHERE t.task_id = %(task_id)s AND t.status = 'running' AND t.tries = %(tries)s
  AND EXISTS (SELECT 1 FROM app.jobs j
              WHERE j.job_id = t.job_id AND j.attempt = t.attempt AND j.status IN ('queued', 'processing'))
RETURNING t.task_id, t.job_id, t.attempt, t.stage;
