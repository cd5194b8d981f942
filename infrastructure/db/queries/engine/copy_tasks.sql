COPY app.tasks (job_id, attempt, stage, task_index, task_type, parameters, status, max_tries, timeout_seconds)
FROM STDIN;
