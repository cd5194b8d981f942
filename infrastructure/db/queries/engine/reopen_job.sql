UPDATE app.jobs SET status = 'processing', error = NULL, result = NULL, completed_at = NULL, updated_at = now()
WHERE job_id = %(job_id)s AND status IN ('failed', 'cancelled')
RETURNING attempt, current_stage;
