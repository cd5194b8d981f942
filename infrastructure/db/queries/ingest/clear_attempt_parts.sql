DELETE FROM app.ingest_parts WHERE job_id = %(job_id)s AND attempt = %(attempt)s;
