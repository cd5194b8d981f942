-- A manual dataset's uploaded file: where it is and which version it is (its sha256).
UPDATE app.curated_datasets
SET source_config = source_config || %(upload)s, updated_at = now()
WHERE dataset_id = %(dataset_id)s AND source_type = 'manual'
RETURNING *;
