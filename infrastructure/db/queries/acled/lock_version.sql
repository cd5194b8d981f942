-- The version the update began from must still be the dataset's: otherwise another update
-- changed the table since this one's check.
SELECT source_version FROM app.curated_datasets WHERE dataset_id = %(dataset_id)s FOR UPDATE;
