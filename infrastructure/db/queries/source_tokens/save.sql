INSERT INTO app.source_tokens (job_id, source, access_token, refresh_token, expires_at)
VALUES (%(job_id)s, %(source)s, %(access_token)s, %(refresh_token)s, %(expires_at)s)
ON CONFLICT (job_id, source) DO UPDATE
SET access_token = EXCLUDED.access_token, refresh_token = EXCLUDED.refresh_token,
    expires_at = EXCLUDED.expires_at, updated_at = now();
