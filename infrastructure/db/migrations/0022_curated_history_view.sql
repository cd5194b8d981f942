-- The update log as read by the API and the curated page: an update whose job failed or was
-- cancelled before it could write its own outcome reads as failed, with the job's error.
CREATE VIEW app.curated_update_history AS
SELECT l.log_id, l.dataset_id, l.job_id, l.update_type, l.source_version, l.records_added, l.records_updated,
       l.records_deleted, l.records_total,
       CASE WHEN l.status = 'started' AND j.status IN ('failed', 'cancelled') THEN 'failed' ELSE l.status END AS status,
       coalesce(l.error, CASE WHEN l.status = 'started' THEN j.error END) AS error,
       l.started_at, coalesce(l.completed_at, CASE WHEN l.status = 'started' THEN j.completed_at END) AS completed_at,
       coalesce(l.duration_seconds,
                CASE WHEN l.status = 'started' THEN extract(epoch FROM j.completed_at - l.started_at) END) AS duration_seconds
FROM app.curated_update_log l
LEFT JOIN app.jobs j ON j.job_id = l.job_id;
