UPDATE app.job_stages SET status = %(status)s, completed_at = now()
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND stage = %(stage)s AND status = 'running'
RETURNING stage;
