SELECT stage, name, status FROM app.job_stages
WHERE job_id = %(job_id)s AND attempt = %(attempt)s ORDER BY stage;
