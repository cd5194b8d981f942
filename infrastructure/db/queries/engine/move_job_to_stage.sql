-- Compare-and-swap: only the advancer that saw `from_stage` moves the job on.
UPDATE app.jobs
SET current_stage = %(to_stage)s, status = 'processing', started_at = coalesce(started_at, now()), updated_at = now()
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND current_stage = %(from_stage)s
  AND status IN ('queued', 'processing')
RETURNING job_id;
