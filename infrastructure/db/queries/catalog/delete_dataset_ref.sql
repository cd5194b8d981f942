DELETE FROM app.dataset_refs WHERE dataset_id = %(dataset_id)s AND data_type = %(data_type)s;
