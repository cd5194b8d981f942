SELECT * FROM app.dataset_refs WHERE dataset_id = ANY(%(dataset_ids)s) ORDER BY dataset_id, data_type;
