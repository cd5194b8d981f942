DELETE FROM app.vector_chunks WHERE job_id = %(job_id)s AND attempt = %(attempt)s;
