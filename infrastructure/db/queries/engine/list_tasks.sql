SELECT t.*, count(*) OVER () AS total_count
FROM app.tasks t
WHERE t.job_id = %(job_id)s AND t.attempt = %(attempt)s
  AND (%(stage)s::int IS NULL OR t.stage = %(stage)s)
  AND (%(status)s::text IS NULL OR t.status = %(status)s)
ORDER BY t.stage, t.task_index
LIMIT %(limit)s OFFSET %(offset)s;
