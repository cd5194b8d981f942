-- Claim due tasks; SKIP LOCKED lets many workers claim at once without waiting on each other.
-- The first due task is always taken; more only when it and they are of a batchable type
-- (%(batchable)s NULL: any type), so a slow task is claimed alone and nothing waits
-- behind it on this worker. Rows picked but not kept are unlocked at commit.
WITH picked AS (
    SELECT task_id, task_type, next_attempt_at FROM app.tasks
    WHERE status = 'queued' AND next_attempt_at <= now()
    ORDER BY next_attempt_at, task_id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), ranked AS (
    SELECT task_id, row_number() OVER (ORDER BY next_attempt_at, task_id) AS position,
           %(batchable)s::text[] IS NULL OR task_type = ANY(%(batchable)s::text[]) AS batchable
    FROM picked
), kept AS (
    SELECT task_id FROM ranked
    WHERE position = 1 OR (batchable AND (SELECT batchable FROM ranked WHERE position = 1))
)
UPDATE app.tasks t
SET status = 'running', tries = t.tries + 1, worker_id = %(worker_id)s, started_at = now(),
    lease_until = now() + make_interval(secs => LEAST(%(lease_seconds)s, t.timeout_seconds))
FROM kept
WHERE t.task_id = kept.task_id
RETURNING t.task_id, t.job_id, t.attempt, t.stage, t.task_index, t.task_type, t.parameters,
          t.tries, t.max_tries, t.timeout_seconds, t.started_at,
          (SELECT j.job_type FROM app.jobs j WHERE j.job_id = t.job_id) AS job_type;
