UPDATE app.tasks
SET status = 'failed', error = %(error)s, completed_at = now(), lease_until = NULL
WHERE task_id = %(task_id)s AND status = 'running' AND tries = %(tries)s
RETURNING task_id, job_id, attempt, stage;
