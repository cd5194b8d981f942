UPDATE app.tasks
SET status = 'cancelled', completed_at = now(), error = coalesce(error, %(reason)s)
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND status IN ('pending', 'queued')
RETURNING task_id;
