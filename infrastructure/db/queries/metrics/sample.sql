-- One snapshot for every active job (and every job finished since its last snapshot).
-- Figures are aggregated here over all tasks and workers; rates compare with the oldest
-- snapshot inside the rolling window (or the job's start, when that is inside it).
WITH sampled AS (
    SELECT j.job_id, j.attempt, j.status, j.current_stage, j.total_stages, j.started_at
    FROM app.jobs j
    WHERE j.status IN ('queued', 'processing')
       OR (j.completed_at >= now() - make_interval(secs => %(window)s)
           AND NOT EXISTS (SELECT 1 FROM app.job_metrics m WHERE m.job_id = j.job_id AND m.sampled_at >= j.completed_at))
), figures AS (
    SELECT s.*, st.name AS stage_name,
           coalesce(st.total, 0) AS tasks_total, coalesce(st.completed, 0) AS tasks_completed,
           coalesce(st.failed, 0) AS tasks_failed,
           coalesce(live.running, 0) AS tasks_running, coalesce(live.queued, 0) AS tasks_queued,
           coalesce(live.pending, 0) AS tasks_pending,
           live.units_done, live.units_total, live.unit, coalesce(live.context, '{}'::jsonb) AS context,
           (SELECT coalesce(sum(x.completed + x.failed), 0) FROM app.job_stages x
             WHERE x.job_id = s.job_id AND x.attempt = s.attempt) AS done_now,
           base.done_then, base.then_at, base.units_then, base.stage_then
    FROM sampled s
    LEFT JOIN app.job_stages st ON st.job_id = s.job_id AND st.attempt = s.attempt AND st.stage = s.current_stage
    LEFT JOIN LATERAL (
        SELECT count(*) FILTER (WHERE t.status = 'running') AS running,
               count(*) FILTER (WHERE t.status = 'queued')  AS queued,
               count(*) FILTER (WHERE t.status = 'pending') AS pending,
               sum(CASE WHEN t.status = 'completed' THEN coalesce(p.total, p.done) ELSE p.done END) AS units_done,
               sum(p.total) AS units_total,
               max(t.progress->>'unit') AS unit,
               (SELECT jsonb_object_agg(c.key, c.value) FROM (
                    -- the sum casts numbers only: an aggregate is computed whichever branch is taken
                    SELECT kv.key, CASE WHEN bool_and(jsonb_typeof(kv.value) = 'number')
                                        THEN to_jsonb(sum(CASE WHEN jsonb_typeof(kv.value) = 'number'
                                                               THEN (kv.value #>> '{}')::double precision END))
                                        ELSE to_jsonb(max(kv.value #>> '{}')) END AS value
                    FROM app.tasks t2, jsonb_each(t2.progress) kv
                    WHERE t2.job_id = s.job_id AND t2.attempt = s.attempt AND t2.stage = s.current_stage
                      AND t2.progress IS NOT NULL AND kv.key NOT IN ('done', 'total', 'unit')
                      -- a rate (*_per_sec) is a task's speed while it runs: only running tasks' add up
                      AND (t2.status = 'running' OR right(kv.key, 8) <> '_per_sec')
                    GROUP BY kv.key) c) AS context
        FROM app.tasks t
        LEFT JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(t.progress->'done') = 'number' THEN (t.progress->>'done')::double precision END AS done,
                                  CASE WHEN jsonb_typeof(t.progress->'total') = 'number' THEN (t.progress->>'total')::double precision END AS total) p ON true
        WHERE t.job_id = s.job_id AND t.attempt = s.attempt AND t.stage = s.current_stage
    ) live ON true
    LEFT JOIN LATERAL (
        SELECT m.jobs_tasks_done AS done_then, m.sampled_at AS then_at, m.units_done AS units_then, m.stage AS stage_then
        FROM app.job_metrics m
        WHERE m.job_id = s.job_id AND m.attempt = s.attempt AND m.sampled_at >= now() - make_interval(secs => %(window)s)
        UNION ALL
        SELECT 0, s.started_at, 0::double precision, 1 WHERE s.started_at >= now() - make_interval(secs => %(window)s)
        ORDER BY then_at LIMIT 1
    ) base ON true
), rated AS (
    SELECT f.*,
           CASE WHEN f.then_at IS NOT NULL AND now() - f.then_at > interval '500 milliseconds'
                THEN (f.done_now - f.done_then) / extract(epoch FROM now() - f.then_at) * 60 END AS rate_per_min,
           CASE WHEN f.then_at IS NOT NULL AND now() - f.then_at > interval '500 milliseconds'
                     AND f.stage_then = f.current_stage AND f.units_done IS NOT NULL AND f.units_then IS NOT NULL
                THEN (f.units_done - f.units_then) / extract(epoch FROM now() - f.then_at) END AS units_per_sec
    FROM figures f
)
INSERT INTO app.job_metrics (job_id, attempt, status, stage, stage_name, total_stages, tasks_total, tasks_completed,
                             tasks_failed, tasks_running, tasks_queued, tasks_pending, jobs_tasks_done,
                             units_done, units_total, unit, rate_per_min, units_per_sec, eta_seconds, context)
SELECT r.job_id, r.attempt, r.status, r.current_stage, r.stage_name, r.total_stages, r.tasks_total, r.tasks_completed,
       r.tasks_failed, r.tasks_running, r.tasks_queued, r.tasks_pending, r.done_now,
       r.units_done, r.units_total, r.unit, r.rate_per_min, r.units_per_sec,
       CASE WHEN r.status IN ('queued', 'processing') AND r.rate_per_min > 0
            THEN (r.tasks_total - r.tasks_completed - r.tasks_failed) / (r.rate_per_min / 60.0) END,
       r.context
FROM rated r
RETURNING job_id;
