-- Active jobs first, then the most recent; progress from the O(1) stage counters, rate /
-- ETA / live counts from the latest snapshot. No scan of app.tasks, and the joins run
-- only for the page of jobs picked first.
WITH picked AS (
    SELECT j.* FROM app.jobs j
    WHERE (%(status)s::text IS NULL OR j.status = %(status)s)
      AND (%(job_type)s::text IS NULL OR j.job_type = %(job_type)s)
      AND (%(job_id)s::text IS NULL OR j.job_id = %(job_id)s)
    ORDER BY (j.status IN ('queued', 'processing')) DESC, j.created_at DESC, j.job_id
    LIMIT %(limit)s
)
SELECT j.job_id, j.job_type, j.status, j.attempt, j.current_stage, j.total_stages, j.error,
       j.created_at, j.updated_at, j.completed_at,
       st.name AS stage_name, coalesce(st.total, 0) AS tasks_total,
       coalesce(st.completed, 0) AS tasks_completed, coalesce(st.failed, 0) AS tasks_failed,
       m.tasks_running, m.rate_per_min, m.eta_seconds, m.units_done, m.units_total, m.unit,
       m.units_per_sec, m.context, m.sampled_at
FROM picked j
LEFT JOIN app.job_stages st ON st.job_id = j.job_id AND st.attempt = j.attempt AND st.stage = j.current_stage
LEFT JOIN LATERAL (
    SELECT * FROM app.job_metrics x
    WHERE x.job_id = j.job_id AND x.attempt = j.attempt
    ORDER BY x.sampled_at DESC LIMIT 1
) m ON true
ORDER BY (j.status IN ('queued', 'processing')) DESC, j.created_at DESC, j.job_id;
