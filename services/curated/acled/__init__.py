"""ACLED conflict events as a curated dataset (docs/curated.md "ACLED"): the check
(full load or increment), the fetch tasks (OAuth token shared per job, paged reads into
typed staging rows) and the merge (one transaction: upsert, deletions, catalog)."""
