"""Curated reference datasets: registry, schedule, sources (IBAT, files), styles."""
