SELECT coalesce(sum(total), 0)::bigint AS planned
FROM app.job_stages
WHERE job_id = %(job_id)s AND attempt = %(attempt)s;
