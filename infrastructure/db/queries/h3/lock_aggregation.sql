-- Two publishes of one (source, resolution) run one after the other.
SELECT pg_advisory_xact_lock(hashtextextended('h3:' || %(source_id)s || ':' || %(resolution)s::text, 0));
