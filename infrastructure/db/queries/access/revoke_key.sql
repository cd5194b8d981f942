UPDATE app.api_keys SET revoked_at = now()
WHERE name = %(name)s AND revoked_at IS NULL
RETURNING name, role, key_hint, created_by, created_at, revoked_at, last_used_at;
