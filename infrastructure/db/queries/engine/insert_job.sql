-- 50 identical submissions race here: one inserts, the rest wait on the key and get nothing.
INSERT INTO app.jobs (job_id, job_type, parameters, total_stages, submitted_by, owner, task_budget)
VALUES (%(job_id)s, %(job_type)s, %(parameters)s, %(total_stages)s, %(submitted_by)s, %(owner)s, %(task_budget)s)
ON CONFLICT (job_id) DO NOTHING
RETURNING job_id;
