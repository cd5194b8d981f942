-- O(1) bookkeeping per completion batch; the row lock serialises a stage's completions,
-- so exactly one transaction sees completed + failed reach total.
UPDATE app.job_stages
SET completed = completed + %(completed)s, failed = failed + %(failed)s, released = released - %(freed)s
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND stage = %(stage)s
RETURNING stage, name, status, total, completed, failed, released, max_concurrency;
