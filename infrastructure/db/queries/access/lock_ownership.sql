-- Serializes claims of one resource: the row if it exists, else a transaction lock on its name.
SELECT pg_advisory_xact_lock(hashtextextended(%(kind)s || ':' || %(name)s, 0));
