-- Staging rows of every attempt of a job: a new inventory replaces them.
DELETE FROM app.ingest_items WHERE job_id = %(job_id)s;
