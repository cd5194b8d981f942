INSERT INTO app.api_keys (name, role, key_hash, key_hint, created_by)
VALUES (%(name)s, %(role)s, %(key_hash)s, %(key_hint)s, %(created_by)s)
ON CONFLICT (name) DO NOTHING
RETURNING name, role, key_hint, created_by, created_at, revoked_at, last_used_at;
