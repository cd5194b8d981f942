SELECT t.result
FROM app.tasks t
JOIN app.job_stages s ON s.job_id = t.job_id AND s.attempt = t.attempt AND s.stage = t.stage
WHERE t.job_id = %(job_id)s AND t.attempt = %(attempt)s AND s.name = %(stage_name)s AND t.status = 'completed'
ORDER BY t.task_index;
