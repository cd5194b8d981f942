UPDATE app.job_stages s
SET status = 'running', completed_at = NULL,
    failed = (SELECT count(*) FROM app.tasks t WHERE t.job_id = s.job_id AND t.attempt = s.attempt AND t.stage = s.stage AND t.status = 'failed'),
    released = (SELECT count(*) FROM app.tasks t WHERE t.job_id = s.job_id AND t.attempt = s.attempt AND t.stage = s.stage AND t.status IN ('queued', 'running'))
WHERE s.job_id = %(job_id)s AND s.attempt = %(attempt)s AND s.stage = %(stage)s;
