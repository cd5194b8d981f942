UPDATE app.curated_datasets SET last_checked_at = %(checked_at)s WHERE dataset_id = %(dataset_id)s;
