DELETE FROM app.curated_datasets WHERE dataset_id = %(dataset_id)s RETURNING dataset_id;
