-- One pipeline scheduler acts at a time, however many hosts fire their timers.
SELECT pg_try_advisory_xact_lock(hashtextextended('geoetl:pipeline-scheduler', 0)) AS acquired;
