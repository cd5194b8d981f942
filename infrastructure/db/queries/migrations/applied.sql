SELECT version, name, checksum, applied_at
FROM app.schema_migrations
ORDER BY version;
