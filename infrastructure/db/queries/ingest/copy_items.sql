COPY app.ingest_items (job_id, attempt, item_id, batch, source_blob, item, assets) FROM STDIN;
