-- Extend the leases of a worker's running tasks, never past each task's deadline, and
-- tell the worker which tasks it still owns and whether their jobs are still active.
UPDATE app.tasks t
SET lease_until = LEAST(now() + make_interval(secs => %(lease_seconds)s),
                        t.started_at + make_interval(secs => t.timeout_seconds)),
    progress = coalesce(p.progress, t.progress)
FROM unnest(%(task_ids)s::bigint[], %(tries)s::int[], %(progress)s::jsonb[]) AS p(task_id, tries, progress),
     app.jobs j
WHERE t.task_id = p.task_id AND t.tries = p.tries AND t.status = 'running' AND j.job_id = t.job_id
RETURNING t.task_id,
          (j.status IN ('queued', 'processing') AND j.attempt = t.attempt) AS job_active,
          now() >= t.started_at + make_interval(secs => t.timeout_seconds) AS timed_out;
