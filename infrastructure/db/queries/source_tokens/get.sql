SELECT access_token, refresh_token, expires_at
FROM app.source_tokens
WHERE job_id = %(job_id)s AND source = %(source)s;
