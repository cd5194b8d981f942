-- 1,000 jobs (10 % processing, some failed, the rest completed), 2 stages x 100 tasks
-- each (200,000 tasks), 30 metric snapshots per job.
INSERT INTO app.jobs (job_id, job_type, parameters, status, attempt, current_stage, total_stages, error,
                      created_at, updated_at, started_at, completed_at)
SELECT md5(i::text) || md5((-i)::text),
       (ARRAY['hello_world', 'process_vector', 'ingest_collection'])[1 + i % 3],
       jsonb_build_object('i', i),
       CASE WHEN i % 10 = 0 THEN 'processing' WHEN i % 17 = 0 THEN 'failed' ELSE 'completed' END,
       1, 2, 2,
       CASE WHEN i % 17 = 0 AND i % 10 <> 0 THEN 'stage 2 (work): 3 of 100 tasks failed' END,
       now() - i * interval '1 minute', now(), now() - i * interval '1 minute',
       CASE WHEN i % 10 <> 0 THEN now() - i * interval '1 minute' + interval '30 seconds' END
FROM generate_series(1, 1000) i;

INSERT INTO app.job_stages (job_id, attempt, stage, name, task_type, status, max_concurrency, total, completed, failed, released)
SELECT j.job_id, 1, s, (ARRAY['plan', 'work'])[s], 'bench.noop',
       CASE WHEN j.status = 'processing' AND s = 2 THEN 'running' ELSE 'completed' END, 100, 100,
       CASE WHEN j.status = 'processing' AND s = 2 THEN 40 ELSE 100 END, 0,
       CASE WHEN j.status = 'processing' AND s = 2 THEN 60 ELSE 0 END
FROM app.jobs j, generate_series(1, 2) s;

INSERT INTO app.tasks (job_id, attempt, stage, task_index, task_type, parameters, status, max_tries, timeout_seconds,
                       tries, result, progress)
SELECT j.job_id, 1, s, k, 'bench.noop', '{}',
       CASE WHEN j.status = 'processing' AND s = 2 AND k >= 40 THEN (CASE WHEN k < 44 THEN 'running' ELSE 'queued' END)
            ELSE 'completed' END,
       3, 300, 1, '{}', jsonb_build_object('done', k, 'total', 100, 'unit', 'rows', 'bytes', k * 10)
FROM app.jobs j, generate_series(1, 2) s, generate_series(0, 99) k;

INSERT INTO app.job_metrics (job_id, attempt, sampled_at, status, stage, stage_name, total_stages, tasks_total,
                             tasks_completed, tasks_failed, tasks_running, tasks_queued, tasks_pending, jobs_tasks_done,
                             rate_per_min, eta_seconds, context)
SELECT j.job_id, 1, now() - n * interval '5 seconds', j.status, 2, 'work', 2, 100, 40, 0, 4, 56, 0, 140,
       600 + n, 6, jsonb_build_object('bytes', 1000 * n)
FROM app.jobs j, generate_series(0, 29) n;
ANALYZE;
