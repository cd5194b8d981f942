-- process_raster jobs whose COG was split across tasks, that ended failed or cancelled
-- longer ago than the retention (until then a retry may still use the staged parts), and
-- whose scratch blobs this attempt has not been swept of yet.
SELECT j.job_id, j.attempt, coalesce(j.parameters->>'target_container', %(default_container)s) AS container
FROM app.jobs j
WHERE j.job_type = 'process_raster'
  AND j.status IN ('failed', 'cancelled')
  AND j.completed_at < now() - make_interval(secs => %(retention_hours)s * 3600)
  AND EXISTS (SELECT 1 FROM app.job_stages s WHERE s.job_id = j.job_id AND s.name = 'cog_parts' AND s.status <> 'skipped')
  AND NOT EXISTS (SELECT 1 FROM app.job_events e
                  WHERE e.job_id = j.job_id AND e.attempt = j.attempt AND e.event = 'scratch_deleted')
ORDER BY j.completed_at
LIMIT %(limit)s;
