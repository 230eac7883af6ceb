"""The vectorised window primitives against a brute-force reading of their definition."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from borderline.fraud.windows import (
    Grouped,
    first_event_age,
    last_event_age,
    window_count,
    window_sum,
)

events = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 50), st.floats(0, 100), st.booleans()),
    min_size=1,
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(events, st.integers(1, 30), st.integers(0, 10))
def test_window_matches_brute_force(ev: list, a_extra: int, b: int) -> None:
    g_ = np.array([e[0] for e in ev], dtype=np.int64)
    t = np.array([e[1] for e in ev], dtype=np.int64)
    v = np.array([e[2] for e in ev])
    a = b + a_extra
    g = Grouped.build(g_, t, horizon=a)
    lo, hi = g.bounds(a, b)
    cnt = g.to_original(window_count(lo, hi))
    tot = g.to_original(window_sum(g.sorted_view(v), lo, hi))
    for i in range(len(ev)):
        # Rows of the same group, time in (t-a, t-b]; with b == 0, only rows up to i itself
        # in stream order (ties later in the stream are the future).
        js = [
            j
            for j in range(len(ev))
            if g_[j] == g_[i] and t[i] - a < t[j] <= t[i] - b and (b > 0 or t[j] < t[i] or j <= i)
        ]
        assert cnt[i] == len(js)
        assert np.isclose(tot[i], v[js].sum())


@settings(max_examples=100, deadline=None)
@given(events, st.integers(0, 10))
def test_event_ages_match_brute_force(ev: list, b: int) -> None:
    g_ = np.array([e[0] for e in ev], dtype=np.int64)
    t = np.array([e[1] for e in ev], dtype=np.int64)
    flag = np.array([e[3] for e in ev])
    g = Grouped.build(g_, t, horizon=40 + b)
    last = g.to_original(last_event_age(g, flag[g.order], b, cap=999.0))
    lo, hi = g.bounds(40 + b, b)
    first = g.to_original(first_event_age(g, flag[g.order], lo, hi, cap=999.0))
    pos = np.empty(len(ev), dtype=np.int64)
    pos[g.order] = np.arange(len(ev))
    for i in range(len(ev)):
        prior = [
            j
            for j in range(len(ev))
            if g_[j] == g_[i] and flag[j] and (t[j] <= t[i] - b if b else pos[j] <= pos[i])
        ]
        want = min(t[i] - max(t[j] for j in prior), 999) if prior else 999
        assert last[i] == want
        inwin = [
            j
            for j in range(len(ev))
            if g_[j] == g_[i]
            and flag[j]
            and t[i] - 40 - b < t[j] <= t[i] - b
            and (b > 0 or pos[j] <= pos[i])
        ]
        want = min(t[i] - min(t[j] for j in inwin), 999) if inwin else 999
        assert first[i] == want
