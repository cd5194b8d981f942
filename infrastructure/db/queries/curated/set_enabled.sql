UPDATE app.curated_datasets SET enabled = %(enabled)s, updated_at = now()
WHERE dataset_id = %(dataset_id)s
RETURNING *;
