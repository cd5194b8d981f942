"""Which tables' low-zoom tiles are made ahead, and making the missing ones in the background.

A table with TILE_PYRAMID_MIN_FEATURES features or more gets a pyramid per version
(infrastructure/db/tile_pyramids.py), started by the first API process asked for one of
its unfiltered low-zoom tiles, in a background thread; until it is registered those tiles
are made on request (the same picture, only slower)."""

import logging
import threading

from core.models.metadata import VectorMetadata
from core.tiles import PYRAMID_MAX_ZOOM
from infrastructure.db import tile_pyramids

log = logging.getLogger(__name__)


class Pyramids:
    def __init__(self, db, min_features: int):
        self._db = db
        self._min_features = min_features
        self._lock = threading.Lock()
        self._ready: set[tuple[str, str]] = set()
        self._started: set[tuple[str, str]] = (
            set()
        )  # making, made or failed here: not started again

    def wanted(self, meta: VectorMetadata, zoom: int, filtered: bool) -> bool:
        return (
            zoom <= PYRAMID_MAX_ZOOM and not filtered and meta.feature_count >= self._min_features
        )

    def ready(self, conn, meta: VectorMetadata) -> bool:
        """Whether this version's pyramid is registered; starts making it when it is not."""
        key = (meta.id, meta.updated_at.isoformat())
        with self._lock:
            if key in self._ready:
                return True
        if tile_pyramids.registered(conn, meta):
            with self._lock:
                self._ready.add(key)
            return True
        self._start(key, meta)
        return False

    def build_now(self, meta: VectorMetadata) -> bool:
        """Makes the pyramid in the caller's thread (benchmarks, tests)."""
        return tile_pyramids.build(self._db, meta)

    def _start(self, key: tuple[str, str], meta: VectorMetadata) -> None:
        with self._lock:
            if key in self._started:
                return
            self._started.add(key)
        threading.Thread(
            target=self._build, args=(meta,), name=f"tile-pyramid-{meta.id}", daemon=True
        ).start()

    def _build(self, meta: VectorMetadata) -> None:
        try:
            made = tile_pyramids.build(self._db, meta)
        except (
            Exception
        ):  # logged; this process does not try this version again (a later version will)
            log.exception("tile pyramid of %s failed", meta.id)
            return
        log.info(
            "tile pyramid of %s: %s", meta.id, "registered" if made else "table changed meanwhile"
        )
