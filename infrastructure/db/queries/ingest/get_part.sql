SELECT part, collection_id, kind, blob, first_byte, end_byte, size, links, features, first_feature
FROM app.ingest_parts
WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND part = %(part)s;
