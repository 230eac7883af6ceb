"""Vectorised point-in-time window aggregates over event streams grouped by an entity.

Every feature in this package is one of a few window shapes: "the events of the same entity
whose time lies in ``(t - a, t - b]``", counted or summed. Offline we answer it for millions of
rows at once with one sort and binary searches over a composite key ``group * span + time``;
the online feature store answers the very same question over the events it has recorded
(``borderline.fraud.features``), and a parity test holds the two to equal values.

When ``b == 0`` the window ends *at the current row*: rows later in the stream with the same
timestamp are excluded, so a feature never sees an event that arrived after it (the online store
sees exactly the events recorded before, plus the current one).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Grouped:
    """Rows sorted by (group, time, original position); ``order`` maps sorted → original."""

    order: IntArray
    key: IntArray  # group * span + time, sorted ascending
    group: IntArray  # group code per sorted row
    span: int

    @classmethod
    def build(cls, group: IntArray, time: IntArray, horizon: int) -> Grouped:
        """``time`` in seconds (non-negative), ``horizon`` the longest look-back used."""
        group = np.asarray(group, dtype=np.int64)
        time = np.asarray(time, dtype=np.int64)
        if len(time) and time.min() < 0:
            raise ValueError("times must be non-negative offsets")
        span = int(time.max() if len(time) else 0) + int(horizon) + 1
        if len(group) and int(group.max()) + 1 > np.iinfo(np.int64).max // max(span, 1):
            raise ValueError("too many groups for the time span; cannot build composite keys")
        # lexsort keeps the original position as the last tie-breaker: stable stream order.
        order = np.lexsort((np.arange(len(time)), time, group)).astype(np.int64)
        key = group[order] * span + time[order]
        return cls(order=order, key=key, group=group[order], span=span)

    def bounds(self, a: int, b: int) -> tuple[IntArray, IntArray]:
        """Sorted-position bounds [lo, hi) of the window (t - a, t - b] for every sorted row."""
        n = len(self.key)
        if b == 0:
            hi = np.arange(1, n + 1, dtype=np.int64)
        else:
            hi = np.searchsorted(self.key, self.key - b, side="right").astype(np.int64)
        lo = np.searchsorted(self.key, self.key - a, side="right").astype(np.int64)
        # (t - a) may fall in the previous group's key range only if a > t, and span > horizon
        # keeps groups apart: lo never crosses into another group's rows.
        return lo, np.maximum(hi, lo)

    def prior_bounds(self) -> tuple[IntArray, IntArray]:
        """[lo, hi) of all strictly earlier rows of the same group (in stream order)."""
        n = len(self.key)
        starts = np.searchsorted(self.key, self.group * self.span, side="left").astype(np.int64)
        return starts, np.arange(n, dtype=np.int64)

    def to_original(self, sorted_values: npt.NDArray[np.float64]) -> FloatArray:
        out = np.empty(len(self.order), dtype=np.float64)
        out[self.order] = sorted_values
        return out

    def sorted_view(self, values: npt.ArrayLike) -> FloatArray:
        return np.asarray(values, dtype=np.float64)[self.order]


def window_sum(values_sorted: FloatArray, lo: IntArray, hi: IntArray) -> FloatArray:
    csum = np.concatenate(([0.0], np.cumsum(values_sorted)))
    return np.asarray(csum[hi] - csum[lo], dtype=np.float64)


def window_count(lo: IntArray, hi: IntArray) -> FloatArray:
    return (hi - lo).astype(np.float64)


def safe_div(num: FloatArray, den: FloatArray, default: float = 0.0) -> FloatArray:
    """num / den with ``default`` where den == 0: features are never NaN."""
    out = np.full(len(num), default, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def last_event_age(
    g: Grouped, flag_sorted: npt.NDArray[np.bool_], b: int, cap: float
) -> FloatArray:
    """Seconds from ``t - 0`` back to the last flagged row at or before ``t - b`` (same group).

    Returns ``cap`` where there is none, so the value is always defined.
    """
    n = len(g.key)
    marked = np.where(flag_sorted, g.key, -1)
    runmax = np.maximum.accumulate(marked) if n else marked
    if b == 0:
        pos = np.arange(n, dtype=np.int64)
    else:
        pos = np.searchsorted(g.key, g.key - b, side="right").astype(np.int64) - 1
    last = np.where(pos >= 0, runmax[np.clip(pos, 0, None)], -1)
    same = last >= g.group * g.span
    age = np.where(same, (g.key - last).astype(np.float64), cap)
    return np.minimum(age, cap)


def first_event_age(
    g: Grouped, flag_sorted: npt.NDArray[np.bool_], lo: IntArray, hi: IntArray, cap: float
) -> FloatArray:
    """Seconds back to the *first* flagged row in each window [lo, hi); ``cap`` where none."""
    n = len(g.key)
    idx = np.where(flag_sorted, np.arange(n), n)
    # next flagged position at or after each position (reverse running minimum)
    nxt = np.concatenate((np.minimum.accumulate(idx[::-1])[::-1], [n])) if n else np.array([n])
    first = nxt[np.clip(lo, 0, n)]
    found = first < hi
    age = np.where(found, (g.key - g.key[np.clip(first, 0, max(n - 1, 0))]).astype(np.float64), cap)
    return np.minimum(age, cap)
