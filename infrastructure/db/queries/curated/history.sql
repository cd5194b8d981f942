SELECT * FROM app.curated_update_history
WHERE dataset_id = %(dataset_id)s
ORDER BY started_at DESC, log_id DESC
LIMIT %(limit)s;
