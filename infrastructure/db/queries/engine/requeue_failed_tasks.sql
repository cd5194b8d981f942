-- retry-failed: failed or cancelled tasks of the stage the job stopped in go back to pending.
UPDATE app.tasks
SET status = 'pending', tries = 0, completed_at = NULL, lease_until = NULL, worker_id = NULL, next_attempt_at = now()
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND stage = %(stage)s AND status IN ('failed', 'cancelled')
RETURNING task_id;
