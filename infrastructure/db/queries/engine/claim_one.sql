-- Claim one named task (a Service Bus message carries only its id).
UPDATE app.tasks t
SET status = 'running', tries = t.tries + 1, worker_id = %(worker_id)s, started_at = now(),
    lease_until = now() + make_interval(secs => LEAST(%(lease_seconds)s, t.timeout_seconds))
WHERE t.task_id = %(task_id)s AND t.status = 'queued' AND t.next_attempt_at <= now()
RETURNING t.task_id, t.job_id, t.attempt, t.stage, t.task_index, t.task_type, t.parameters,
          t.tries, t.max_tries, t.timeout_seconds, t.started_at,
          (SELECT j.job_type FROM app.jobs j WHERE j.job_id = t.job_id) AS job_type;
