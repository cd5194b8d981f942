-- Serializes publishers of the same table name (two jobs loading into one name).
SELECT pg_advisory_xact_lock(hashtextextended('geo.' || %(base_name)s, 0));
