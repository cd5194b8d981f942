UPDATE app.job_stages SET total = %(total)s, released = %(released)s
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND stage = %(stage)s;
