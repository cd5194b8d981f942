"""Curated reference datasets: registry, schedule, sources (IBAT, files, ACLED), styles,
and the handlers of the `curated_update` job (a file's load between them is the vector
pipeline's; ACLED's events are fetched and merged by services/curated/acled)."""
