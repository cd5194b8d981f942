-- One sampler at a time across hosts; others skip this round.
SELECT pg_try_advisory_xact_lock(hashtextextended('geoetl:metrics-sampler', 0)) AS acquired;
