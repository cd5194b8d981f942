-- The current role of a key (NULL: unknown or revoked), for runs made on its behalf later.
SELECT role FROM app.api_keys WHERE name = %(name)s AND revoked_at IS NULL;
