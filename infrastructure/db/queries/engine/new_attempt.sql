-- resubmit: a new attempt of a finished job; earlier attempts' stages and tasks stay as history.
UPDATE app.jobs
SET attempt = attempt + 1, status = 'queued', current_stage = 0, result = NULL, error = NULL,
    started_at = NULL, completed_at = NULL, updated_at = now()
WHERE job_id = %(job_id)s AND status IN ('completed', 'completed_with_errors', 'failed', 'cancelled')
RETURNING attempt;
