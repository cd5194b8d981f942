"""ingest_collection's task handlers: inventory, copy, register (collection, items), finalize."""
