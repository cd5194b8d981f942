UPDATE app.job_stages SET status = 'cancelled', completed_at = now()
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND status = 'running';
