-- Tasks of the jobs a principal submitted in the window (per-key hourly cap).
SELECT coalesce(sum(s.total), 0)::bigint AS tasks
FROM app.jobs j
JOIN app.job_stages s ON s.job_id = j.job_id AND s.attempt = j.attempt
WHERE j.submitted_by = %(submitted_by)s AND j.created_at > now() - make_interval(secs => %(window_seconds)s);
