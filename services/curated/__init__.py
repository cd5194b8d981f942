"""Curated reference datasets: registry, schedule, sources (IBAT, files), styles, and
the handlers of the `curated_update` job (the load between them is the vector pipeline's)."""

from services.curated.finalizing import finalize
from services.curated.handlers import check_version, download

HANDLERS = [check_version, download, finalize]
