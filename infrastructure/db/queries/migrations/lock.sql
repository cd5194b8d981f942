-- Held until the deploying transaction ends: concurrent deploys run one after another.
SELECT pg_advisory_xact_lock(%(key)s);
