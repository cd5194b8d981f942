-- In the transaction that COPYs the chunk: a duplicate run conflicts here and rolls back.
INSERT INTO app.vector_chunks (job_id, attempt, chunk, report)
VALUES (%(job_id)s, %(attempt)s, %(chunk)s, %(report)s)
ON CONFLICT DO NOTHING
RETURNING chunk;
