"""Throttled freshness checks: is a data file, list import or model registry still current?

Several per-order paths ask whether something on disk changed since it was loaded (a data
set's user copy, the active screening list imports, the fraud model registry), so that an
update made by another process (``borderline data update``, ``screening import``,
``fraud promote``) is picked up without a restart. Asking with a ``stat`` on every order cost
a measurable share of each decision; a :class:`Recheck` says when to look again:

- at most once per :data:`RECHECK_SECONDS` (1 s) for changes made by another process, and
- at once after a change made in this process (the writer calls :func:`changed`), so a test
  or a CLI command that imports a list, installs a data set or promotes a model and then
  decides an order sees the new data on that very order.
"""

from __future__ import annotations

import threading
import time

# How long a freshness check holds for changes made by other processes.
RECHECK_SECONDS = 1.0

_generation = 0
_lock = threading.Lock()


def changed() -> None:
    """Say that this process changed data on disk: every :class:`Recheck` is due at once."""
    global _generation
    with _lock:
        _generation += 1


def generation() -> int:
    return _generation


class Recheck:
    """``due()`` is True on the first call, after :func:`changed`, and once the interval has
    passed since the last True; otherwise False (the caller reuses what it checked last)."""

    __slots__ = ("_at", "_gen", "interval")

    def __init__(self, interval: float | None = None) -> None:
        self.interval = RECHECK_SECONDS if interval is None else interval
        self._at = -1e18
        self._gen = -1

    def due(self) -> bool:
        now = time.monotonic()
        gen = _generation
        if gen == self._gen and now - self._at < self.interval:
            return False
        self._at, self._gen = now, gen
        return True

    def reset(self) -> None:
        """Make the next ``due()`` True."""
        self._gen = -1
