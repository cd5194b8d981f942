SELECT * FROM app.job_events WHERE job_id = %(job_id)s ORDER BY event_id DESC LIMIT %(limit)s;
