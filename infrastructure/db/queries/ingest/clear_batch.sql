-- A part's earlier try: its staging rows are replaced, so a retried part is idempotent.
DELETE FROM app.ingest_items WHERE job_id = %(job_id)s AND attempt = %(attempt)s AND batch = %(batch)s;
