SELECT name, version, description, digest, owner, created_by, schedule, created_at, archived_at
FROM app.pipelines WHERE name = %(name)s ORDER BY version DESC;
