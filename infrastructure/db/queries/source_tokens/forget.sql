DELETE FROM app.source_tokens WHERE job_id = %(job_id)s AND source = %(source)s;
