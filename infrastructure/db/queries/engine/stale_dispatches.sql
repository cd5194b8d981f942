-- Queued tasks whose message was never sent or may be lost (Service Bus mode). A retry's
-- message is scheduled for next_attempt_at, so staleness counts from the later of the two.
SELECT task_id FROM app.tasks
WHERE status = 'queued' AND next_attempt_at <= now()
  AND (%(job_id)s::text IS NULL OR job_id = %(job_id)s)
  AND greatest(dispatched_at, next_attempt_at) < now() - make_interval(secs => %(stale_seconds)s)
ORDER BY task_id
LIMIT %(limit)s;
