DELETE FROM app.ingest_items WHERE job_id = %(job_id)s AND attempt = %(attempt)s;
