"""The task handlers this package registers (listed by jobs/registry.py). Kept out of
the package's __init__, which its own modules import through."""

from services.curated.acled.fetching import fetch_events
from services.curated.finalizing import finalize
from services.curated.handlers import check_version, download

HANDLERS = [check_version, download, fetch_events, finalize]
