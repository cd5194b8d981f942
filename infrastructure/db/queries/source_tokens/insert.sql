-- The job's first token; if another task stored one first, that one is the job's.
INSERT INTO app.source_tokens (job_id, source, access_token, refresh_token, expires_at)
VALUES (%(job_id)s, %(source)s, %(access_token)s, %(refresh_token)s, %(expires_at)s)
ON CONFLICT (job_id, source) DO NOTHING
RETURNING access_token, refresh_token, expires_at;
