SELECT task_id FROM app.tasks
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND stage = %(stage)s AND status = 'queued'
ORDER BY task_index;
