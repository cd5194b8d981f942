UPDATE app.curated_update_log
SET status = %(status)s, source_version = coalesce(%(source_version)s, source_version), error = %(error)s,
    records_added = %(records_added)s, records_updated = %(records_updated)s, records_deleted = %(records_deleted)s,
    records_total = %(records_total)s, details = %(details)s, completed_at = now(), duration_seconds = extract(epoch FROM now() - started_at)
WHERE job_id = %(job_id)s AND status = 'started'
RETURNING log_id;
