-- last_used_at is written at most once a minute per key, so reads stay reads.
WITH found AS (
    SELECT name, role FROM app.api_keys WHERE key_hash = %(key_hash)s AND revoked_at IS NULL
), touched AS (
    UPDATE app.api_keys k SET last_used_at = now()
    FROM found
    WHERE k.name = found.name AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute')
)
SELECT name, role FROM found;
