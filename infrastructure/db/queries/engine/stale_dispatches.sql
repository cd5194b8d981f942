-- Queued tasks whose message was never sent or may be lost (Service Bus mode).
SELECT task_id FROM app.tasks
WHERE status = 'queued' AND next_attempt_at <= now()
  AND coalesce(dispatched_at, created_at) < now() - make_interval(secs => %(stale_seconds)s)
ORDER BY task_id
LIMIT %(limit)s;
