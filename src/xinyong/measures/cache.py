"""Per-process cache of the parsed active measures, keyed by database and a version read with the check.

The version is (number of active measures, latest `updated_at` of any measure): every change made by
`sync_measures` (a new, changed, deactivated or reactivated measure) moves it, because the model stamps
`updated_at` on insert and update. The check reads the version in the same query as the subject's entries,
so a change is seen by the very next check and there is no TTL to wait out; parsing 17 definitions with
pydantic on every check was a quarter of its time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from xinyong.measures.definitions import MeasureDefinition

MAX_VERSIONS = 8  # several databases (tests) or versions in one process; the oldest is dropped


class MeasuresCache:
    """Parsed active measures by (database, version); thread-safe, bounded."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[Hashable, tuple[MeasureDefinition, ...]] = {}

    def get(self, key: Hashable, load: Callable[[], Any]) -> tuple[MeasureDefinition, ...]:
        """The measures of this key, loaded with `load()` on a miss."""
        found = self._items.get(key)
        if found is not None:
            return found
        value = tuple(load())
        with self._lock:
            if len(self._items) >= MAX_VERSIONS:
                self._items.pop(next(iter(self._items)))
            self._items[key] = value
        return value

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()


active_measures_cache = MeasuresCache()
