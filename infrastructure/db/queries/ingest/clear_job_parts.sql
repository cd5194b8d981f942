-- The planned parts of every attempt of a job: a new discover stage replaces them.
DELETE FROM app.ingest_parts WHERE job_id = %(job_id)s;
