SELECT * FROM app.curated_datasets ORDER BY dataset_id;
