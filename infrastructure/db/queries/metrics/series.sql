SELECT sampled_at, stage, tasks_total, tasks_completed, tasks_failed, tasks_running,
       rate_per_min, eta_seconds, units_done, units_per_sec
FROM app.job_metrics
WHERE job_id = %(job_id)s AND attempt = %(attempt)s
ORDER BY sampled_at DESC
LIMIT %(limit)s;
