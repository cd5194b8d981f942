-- Each dataset's most recent update.
SELECT DISTINCT ON (dataset_id) *
FROM app.curated_update_history
ORDER BY dataset_id, started_at DESC, log_id DESC;
