"""Curated reference datasets: registry, schedule, sources (IBAT, files, ACLED), styles,
and the handlers of the `curated_update` job (a file's load between them is the vector
pipeline's; ACLED's events are fetched and merged by services/curated/acled)."""

from services.curated.acled.fetching import fetch_events
from services.curated.finalizing import finalize
from services.curated.handlers import check_version, download

HANDLERS = [check_version, download, fetch_events, finalize]
