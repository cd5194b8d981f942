-- Tokens no task will use again: their job finished (a failed or cancelled one never
-- reached the step that forgets its token), is gone, or the row outlived any token.
DELETE FROM app.source_tokens t
WHERE t.updated_at < now() - interval '2 days'
   OR NOT EXISTS (SELECT 1 FROM app.jobs j
                  WHERE j.job_id = t.job_id AND j.status NOT IN ('completed', 'completed_with_errors', 'failed', 'cancelled'));
