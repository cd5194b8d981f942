"""Tiles already made, kept in memory per process (least recently used out first, bounded
in bytes: TILE_CACHE_BYTES). Keys carry the table's or raster's `updated_at`, so a
republished layer is never served from an older version; 0 bytes turns caching off."""

import threading
from collections.abc import Callable, Hashable

from cachetools import LRUCache


class TileCache:
    def __init__(self, max_bytes: int):
        self._lock = threading.Lock()
        self._cache: LRUCache | None = (
            LRUCache(maxsize=max_bytes, getsizeof=len) if max_bytes > 0 else None
        )

    def get_or_make(self, key: Hashable, make: Callable[[], bytes]) -> bytes:
        """The cached tile, or a new one (made outside the lock: two requests for the same
        new tile may both make it, which is cheaper than making every request wait)."""
        if self._cache is None:
            return make()
        with self._lock:
            found = self._cache.get(key)
        if found is not None:
            return found
        made = make()
        if len(made) <= self._cache.maxsize:
            with self._lock:
                self._cache[key] = made
        return made
