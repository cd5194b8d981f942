-- The latest version of each pipeline (archived ones only when asked), with its version count.
SELECT * FROM (
    SELECT DISTINCT ON (name) *, count(*) OVER (PARTITION BY name) AS versions
    FROM app.pipelines
    ORDER BY name, version DESC
) latest
WHERE %(archived)s OR archived_at IS NULL
ORDER BY name
LIMIT %(limit)s OFFSET %(offset)s;
