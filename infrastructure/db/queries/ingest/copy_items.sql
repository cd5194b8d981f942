COPY app.ingest_items (job_id, attempt, collection_id, item_id, batch, source, content_hash, item, assets) FROM STDIN;
