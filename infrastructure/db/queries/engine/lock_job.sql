-- Serialises stage advancement and job-level changes of one job (transaction-scoped).
SELECT pg_advisory_xact_lock(hashtextextended(%(job_id)s, 0));
