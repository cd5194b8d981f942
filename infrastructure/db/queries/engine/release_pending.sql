-- Free concurrency slots go to the next pending tasks, in plan order.
WITH next AS (
    SELECT task_id FROM app.tasks
    WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND stage = %(stage)s AND status = 'pending'
    ORDER BY task_index
    LIMIT %(limit)s
    FOR UPDATE
), released AS (
    UPDATE app.tasks t SET status = 'queued', next_attempt_at = now()
    FROM next WHERE t.task_id = next.task_id
    RETURNING t.task_id
), counted AS (
    UPDATE app.job_stages SET released = released + (SELECT count(*) FROM released)
    WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND stage = %(stage)s
)
SELECT task_id FROM released;
