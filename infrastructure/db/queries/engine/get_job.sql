SELECT * FROM app.jobs WHERE job_id = %(job_id)s;
