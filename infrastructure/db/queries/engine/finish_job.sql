UPDATE app.jobs
SET status = %(status)s, result = %(result)s, error = %(error)s, completed_at = now(), updated_at = now()
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND status IN ('queued', 'processing')
RETURNING job_id;
