"""Point-in-time features for Handbook-schema transactions, computed vectorised.

Two sets:

- ``handbook``: the Handbook's own 15 features (chapter 3.4), as the baseline it published
  results with: amount, weekend, night, customer count and mean amount over 1/7/30 days, terminal
  count and fraud rate over 1/7/30 days *ending ``delay`` days ago*.
- ``borderline``: those plus features that describe how the fraud shows up — the amount against
  the customer's own earlier history, how many unusually large payments the customer made in the
  last two weeks, the terminal's most recent known frauds, how long ago the last and the first
  of the current streak were, whether a known genuine payment ended the streak, and the card's
  own known frauds.

Rules, both sets: a window includes the current transaction but nothing after it; a label is
usable only when its transaction is at least ``delay_days`` old at the time of the current one;
``TX_FRAUD_SCENARIO`` is never read; no feature is ever NaN (empty windows give 0, "never seen"
gives a documented cap).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from borderline.errors import InvalidInput
from borderline.fraud import (
    Grouped,
    first_event_age,
    last_event_age,
    safe_div,
    window_count,
    window_sum,
)

DAY = 86400
FEATURE_SETS = ("handbook", "borderline")
# "Days since the terminal's last known fraud" when it has none in reach.
NO_FRAUD_DAYS = 60.0
# A payment this many times the customer's earlier mean counts as "unusually large".
HIGH_RATIO = 3.0


def compute_features(
    df: pd.DataFrame, feature_set: str = "borderline", delay_days: int = 7
) -> pd.DataFrame:
    if feature_set not in FEATURE_SETS:
        raise InvalidInput(
            f"unknown feature set {feature_set!r}; one of {', '.join(FEATURE_SETS)}",
            where="feature_set",
        )
    if delay_days < 0:
        raise InvalidInput("must be zero or more", where="delay_days")
    ts = pd.to_datetime(df["TX_DATETIME"])
    t0 = ts.min().normalize()
    t = ((ts - t0).dt.total_seconds()).to_numpy().astype(np.int64)
    amount = df["TX_AMOUNT"].to_numpy(dtype=np.float64)
    fraud = df["TX_FRAUD"].to_numpy(dtype=np.float64)
    delay = delay_days * DAY
    out: dict[str, np.ndarray] = {}

    out["TX_AMOUNT"] = amount
    out["TX_DURING_WEEKEND"] = (ts.dt.day_of_week >= 5).to_numpy(dtype=np.float64)
    out["TX_DURING_NIGHT"] = (ts.dt.hour <= 6).to_numpy(dtype=np.float64)

    cust = df["CUSTOMER_ID"].to_numpy(dtype=np.int64)
    gc = Grouped.build(cust, t, horizon=delay + 365 * DAY)
    amt_c = gc.sorted_view(amount)
    for w in (1, 7, 30):
        lo, hi = gc.bounds(w * DAY, 0)
        n = window_count(lo, hi)
        out[f"CUSTOMER_ID_NB_TX_{w}DAY_WINDOW"] = gc.to_original(n)
        out[f"CUSTOMER_ID_AVG_AMOUNT_{w}DAY_WINDOW"] = gc.to_original(
            safe_div(window_sum(amt_c, lo, hi), n)
        )

    term = df["TERMINAL_ID"].to_numpy(dtype=np.int64)
    gt = Grouped.build(term, t, horizon=delay + 30 * DAY)  # longest terminal window
    fr_t = gt.sorted_view(fraud)
    for w in (1, 7, 30):
        lo, hi = gt.bounds(delay + w * DAY, delay)
        n = window_count(lo, hi)
        out[f"TERMINAL_ID_NB_TX_{w}DAY_WINDOW"] = gt.to_original(n)
        out[f"TERMINAL_ID_RISK_{w}DAY_WINDOW"] = gt.to_original(
            safe_div(window_sum(fr_t, lo, hi), n)
        )

    if feature_set == "handbook":
        return pd.DataFrame(out, index=df.index)

    out["TX_HOUR"] = (t % DAY) / 3600.0
    # The amount against the customer's own *earlier* payments (all history, current excluded).
    plo, phi = gc.prior_bounds()
    pn = window_count(plo, phi)
    psum = window_sum(amt_c, plo, phi)
    psq = window_sum(amt_c**2, plo, phi)
    pmean = safe_div(psum, pn)
    pvar = np.maximum(safe_div(psq - psum * pmean, pn - 1), 0.0)
    pstd = np.sqrt(pvar)
    ratio = safe_div(amt_c, pmean)
    out["CUSTOMER_PRIOR_NB_TX"] = gc.to_original(pn)
    out["CUSTOMER_PRIOR_AVG_AMOUNT"] = gc.to_original(pmean)
    out["AMOUNT_RATIO_TO_CUSTOMER_MEAN"] = gc.to_original(ratio)
    out["AMOUNT_Z_TO_CUSTOMER"] = gc.to_original(safe_div(amt_c - pmean, np.maximum(pstd, 1.0)))
    # Leaked credentials show up as a run of large payments: count them over 14 days.
    high = (ratio > HIGH_RATIO).astype(np.float64)
    for w in (1, 14):
        lo, hi = gc.bounds(w * DAY, 0)
        n_high = window_sum(high, lo, hi)
        out[f"CUSTOMER_NB_HIGH_AMOUNT_{w}DAY_WINDOW"] = gc.to_original(n_high)
        out[f"CUSTOMER_SHARE_HIGH_AMOUNT_{w}DAY_WINDOW"] = gc.to_original(
            safe_div(n_high, window_count(lo, hi))
        )
    # The card's own frauds that are already known (older than the delay).
    fr_c = gc.sorted_view(fraud)
    lo, hi = gc.bounds(delay + 365 * DAY, delay)
    out["CUSTOMER_KNOWN_FRAUDS"] = gc.to_original(window_sum(fr_c, lo, hi))

    # A compromised terminal keeps producing fraud: its latest known frauds and their age.
    for w in (2, 14):
        lo, hi = gt.bounds(delay + w * DAY, delay)
        out[f"TERMINAL_ID_KNOWN_FRAUDS_{w}DAY_WINDOW"] = gt.to_original(window_sum(fr_t, lo, hi))
    age = last_event_age(gt, fr_t > 0, delay, cap=NO_FRAUD_DAYS * DAY) / DAY
    out["TERMINAL_DAYS_SINCE_KNOWN_FRAUD"] = gt.to_original(age)
    # A compromise runs for weeks: when did the current streak of known frauds start?
    lo, hi = gt.bounds(delay + 28 * DAY, delay)
    first = first_event_age(gt, fr_t > 0, lo, hi, cap=NO_FRAUD_DAYS * DAY) / DAY
    out["TERMINAL_DAYS_SINCE_FIRST_RECENT_KNOWN_FRAUD"] = gt.to_original(first)
    # Has the compromise ended? The label of the terminal's latest known transaction, and how
    # long ago its latest known genuine one was: a genuine payment after the frauds means the
    # terminal was cleaned.
    pos = np.searchsorted(gt.key, gt.key - delay, side="right").astype(np.int64) - 1
    known = (pos >= 0) & (gt.group[np.clip(pos, 0, None)] == gt.group)
    out["TERMINAL_LAST_KNOWN_IS_FRAUD"] = gt.to_original(
        np.where(known, fr_t[np.clip(pos, 0, None)], 0.0)
    )
    # Length of the run of known frauds ending at the latest known transaction.
    n_t = len(gt.key)
    gpos = np.where(fr_t == 0, np.arange(n_t), -1)
    last_g = np.maximum.accumulate(gpos) if n_t else gpos
    start = np.searchsorted(gt.key, gt.group * gt.span, side="left")
    lg = np.where(pos >= 0, last_g[np.clip(pos, 0, None)], -1)
    streak = np.where(known, pos - np.maximum(lg, start - 1), 0)
    out["TERMINAL_KNOWN_FRAUD_STREAK"] = gt.to_original(streak.astype(np.float64))
    genuine_age = last_event_age(gt, fr_t == 0, delay, cap=NO_FRAUD_DAYS * DAY) / DAY
    out["TERMINAL_DAYS_SINCE_KNOWN_GENUINE"] = gt.to_original(genuine_age)
    lo, hi = gt.bounds(DAY, 0)
    out["TERMINAL_ID_NB_TX_LAST_24H"] = gt.to_original(window_count(lo, hi))
    return pd.DataFrame(out, index=df.index)
