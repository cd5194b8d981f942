-- Pipelines whose latest version has a schedule and is not archived, with when they were
-- last looked at (NULL: never; the version's creation is the baseline).
SELECT p.*, s.last_checked_at
FROM (SELECT DISTINCT ON (name) * FROM app.pipelines ORDER BY name, version DESC) p
LEFT JOIN app.pipeline_schedules s ON s.name = p.name
WHERE p.schedule IS NOT NULL AND p.archived_at IS NULL
ORDER BY p.name;
