INSERT INTO app.job_stages (job_id, attempt, stage, name, task_type, status, max_concurrency, total, released, completed_at)
VALUES (%(job_id)s, %(attempt)s, %(stage)s, %(name)s, %(task_type)s, %(status)s, %(max_concurrency)s, 0, 0,
        CASE WHEN %(status)s = 'running' THEN NULL ELSE now() END);
