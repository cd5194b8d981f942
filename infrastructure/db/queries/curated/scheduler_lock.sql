-- One scheduler acts at a time, however many hosts fire their timers.
SELECT pg_try_advisory_xact_lock(hashtextextended('geoetl:curated-scheduler', 0)) AS acquired;
