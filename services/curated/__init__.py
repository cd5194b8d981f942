"""Curated reference datasets: registry, schedule, sources (IBAT, files), styles, and
the handlers of the `curated_update` job (the load between them is the vector pipeline's)."""
