SELECT * FROM app.curated_datasets
WHERE enabled AND update_schedule IS NOT NULL
ORDER BY dataset_id
FOR UPDATE;
