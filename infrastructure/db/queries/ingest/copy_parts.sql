COPY app.ingest_parts (job_id, attempt, part, collection_id, kind, blob, first_byte, end_byte, size, links, features,
                      first_feature)
FROM STDIN;
