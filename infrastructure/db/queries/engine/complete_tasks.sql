-- Compare-and-swap per task: a duplicate or stale completion matches no row. The task's
-- last progress figures are kept too: a task finishing between two heartbeats still counts.
WITH input AS (
    SELECT * FROM unnest(%(task_ids)s::bigint[], %(tries)s::int[], %(results)s::jsonb[], %(progress)s::jsonb[])
             AS i(task_id, tries, result, progress)
)
UPDATE app.tasks t
SET status = 'completed', result = i.result, error = NULL, completed_at = now(), lease_until = NULL,
    progress = coalesce(i.progress, t.progress)
FROM input i
WHERE t.task_id = i.task_id AND t.status = 'running' AND t.tries = i.tries
RETURNING t.task_id, t.job_id, t.attempt, t.stage;
