SELECT * FROM app.curated_datasets WHERE dataset_id = %(dataset_id)s;
