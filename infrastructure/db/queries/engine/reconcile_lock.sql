-- One reconciler sweep at a time across all hosts; others skip instead of waiting.
SELECT pg_try_advisory_xact_lock(hashtextextended('geoetl:reconciler', 0)) AS acquired;
