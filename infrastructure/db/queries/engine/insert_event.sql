INSERT INTO app.job_events (job_id, attempt, event, stage, task_id, detail)
VALUES (%(job_id)s, %(attempt)s, %(event)s, %(stage)s, %(task_id)s, %(detail)s);
