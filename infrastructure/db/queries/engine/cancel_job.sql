UPDATE app.jobs
SET status = 'cancelled', error = %(reason)s, completed_at = now(), updated_at = now()
WHERE job_id = %(job_id)s AND status IN ('queued', 'processing')
RETURNING attempt;
