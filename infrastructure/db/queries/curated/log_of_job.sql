SELECT * FROM app.curated_update_log WHERE job_id = %(job_id)s;
