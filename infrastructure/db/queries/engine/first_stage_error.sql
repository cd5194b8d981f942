SELECT task_index, error FROM app.tasks
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND stage = %(stage)s AND status = 'failed'
ORDER BY completed_at, task_index LIMIT 1;
