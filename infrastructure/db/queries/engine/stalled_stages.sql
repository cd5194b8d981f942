-- Jobs whose current stage has no open task left but which did not move on (a zombie:
-- e.g. the advancing transaction died). Advancing them again is idempotent.
SELECT j.job_id, j.attempt, s.stage
FROM app.jobs j
JOIN app.job_stages s ON s.job_id = j.job_id AND s.attempt = j.attempt AND s.stage = j.current_stage
WHERE j.status IN ('queued', 'processing')
  AND (%(job_id)s::text IS NULL OR j.job_id = %(job_id)s)
  AND (s.status <> 'running' OR s.completed + s.failed >= s.total)
LIMIT %(limit)s;
