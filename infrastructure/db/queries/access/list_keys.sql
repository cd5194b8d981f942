SELECT name, role, key_hint, created_by, created_at, revoked_at, last_used_at
FROM app.api_keys
ORDER BY created_at, name;
