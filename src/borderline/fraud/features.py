"""Fraud features of Borderline orders: one definition, two executions.

``SPEC`` below is the single definition: velocity windows per entity, time since an entity was
first seen, the amount against the customer's own history, distinct-count links (cards per
device, addresses per card…), label-aware risk per entity, and order-only cross-border signals
(``STATIC_FEATURES``, among them great-circle km between the IP, card, billing and shipping
countries' population centres).

- ``offline_features(flat_df, labels)`` executes it vectorised over a whole history (training,
  backtests, benchmarks) with sorted composite keys and binary searches (``fraud.windows``).
- ``online_features(flat, view)`` executes it for one order against an ``EntityView`` — what an
  online store (``MemoryFeatureStore`` here, ``SqlFeatureStore`` in ``fraud.store``) knows of
  each entity's earlier orders. A parity test holds both executions to the same values.

Point-in-time rules (both executions): windows include the current order and nothing after it;
a label counts only when its order is at least ``label_delay_days`` old (default 7) and then the
order's latest label decides; amount sums, means and ratios use only the entity's orders in
the current order's currency (no FX rates exist here), while order counts span every currency.
No feature is ever NaN: empty windows give 0, never-seen entities 0 hours of age.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import numpy as np

from borderline.errors import InvalidInput
from borderline.fraud.geo import country_latlon, km_between, regions
from borderline.fraud.windows import Grouped, safe_div, window_count, window_sum
from borderline.lazy import lazy

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")


HOUR = 3600
DAY = 86400
DEFAULT_LABEL_DELAY_DAYS = 7
LABEL_WINDOW_DAYS = 90  # label-aware risk looks back this far behind the delay


@dataclass(frozen=True)
class Spec:
    velocity: tuple[tuple[str, int, str], ...]  # (entity, window seconds, "count"|"sum")
    age: tuple[str, ...]  # hours since first seen
    history: tuple[str, ...]  # amount vs the entity's own earlier orders
    distinct: tuple[tuple[str, str], ...]  # (entity, other): distinct others ever linked
    label: tuple[str, ...]  # label-aware risk per entity


SPEC = Spec(
    velocity=(
        ("customer", HOUR, "count"),
        ("customer", DAY, "count"),
        ("customer", 7 * DAY, "count"),
        ("customer", 30 * DAY, "count"),
        ("customer", DAY, "sum"),
        ("customer", 30 * DAY, "sum"),
        ("card", HOUR, "count"),
        ("card", DAY, "count"),
        ("card", 7 * DAY, "count"),
        ("card", DAY, "sum"),
        ("device", HOUR, "count"),
        ("device", DAY, "count"),
        ("device", 7 * DAY, "count"),
        ("ip", HOUR, "count"),
        ("ip", DAY, "count"),
        ("email", DAY, "count"),
        ("email", 7 * DAY, "count"),
        ("ship_addr", DAY, "count"),
        ("ship_addr", 7 * DAY, "count"),
        ("ship_addr", 30 * DAY, "count"),
        ("ship_addr", 7 * DAY, "sum"),
        ("merchant", HOUR, "count"),
        ("merchant", DAY, "count"),
        ("merchant", DAY, "sum"),
    ),
    age=("customer", "card", "device", "email", "ship_addr"),
    history=("customer", "card"),
    distinct=(
        ("device", "card"),
        ("customer", "card"),
        ("card", "ship_addr"),
        ("ship_addr", "customer"),
        ("ship_addr", "card"),
        ("device", "customer"),
        ("card", "email"),
    ),
    label=("customer", "card", "device", "ip", "email", "ship_addr", "corridor", "merchant"),
)


def label_bounds(t: int, label_delay_days: int) -> tuple[int, int]:
    """(lo, hi] of the orders whose labels an order at ``t`` may use (online execution)."""
    delay = label_delay_days * DAY
    return t - delay - LABEL_WINDOW_DAYS * DAY, t - delay


def _wname(w: int) -> str:
    return f"{w // DAY}d" if w % DAY == 0 else f"{w // HOUR}h"


STATIC_FEATURES = (
    "amount",
    "log_amount",
    "hour_utc",
    "n_items",
    "is_card",
    "ip_ne_card",
    "card_ne_bill",
    "bill_ne_ship",
    "ip_ne_ship",
    "card_ne_ship",
    "ip_region_ne_card",
    "ship_region_ne_card",
    "ip_card_km",
    "ip_ship_km",
    "card_ship_km",
    "bill_ship_km",
    "cross_border",
    "forwarder",
    "reshipper",
    "name_mismatch",
    "ip_country_missing",
    "card_country_missing",
)


# Amount against the entity's own earlier orders: the count is over every currency; the
# same-currency count, mean, ratio and z-score only over orders in the order's own currency.
HISTORY_SUFFIXES = (
    "prior_orders",
    "prior_orders_same_currency",
    "prior_mean_amount",
    "amount_ratio",
    "amount_z",
)


def feature_names(spec: Spec = SPEC) -> list[str]:
    names = list(STATIC_FEATURES)
    names += [f"{e}_{agg}_{_wname(w)}" for e, w, agg in spec.velocity]
    names += [f"{e}_age_hours" for e in spec.age]
    for e in spec.history:
        names += [f"{e}_{suffix}" for suffix in HISTORY_SUFFIXES]
    names += [f"{e}_distinct_{o}" for e, o in spec.distinct]
    for e in spec.label:
        names += [f"{e}_known_orders", f"{e}_known_frauds", f"{e}_known_fraud_rate"]
    return names


FEATURES = feature_names()


# Feature name -> the reason-code family a contribution is reported under (asked for every
# feature of every scored order: kept per name).
@lru_cache(maxsize=4096)
def reason_group(feature: str) -> str:
    if feature in ("amount", "log_amount"):
        return "amount"
    if feature.endswith(("_known_orders", "_known_frauds", "_known_fraud_rate")):
        return "label_risk." + feature.split("_known_")[0]
    if "_distinct_" in feature:
        return "links." + feature.replace("_distinct_", "_")
    if feature.endswith("_age_hours"):
        return "new_entity." + feature[: -len("_age_hours")]
    if feature.endswith(tuple(f"_{suffix}" for suffix in HISTORY_SUFFIXES)):
        return "amount_vs_history"
    if "_count_" in feature or "_sum_" in feature:
        return "velocity." + feature.split("_count_")[0].split("_sum_")[0]
    if feature in ("forwarder", "reshipper"):
        return "cross_border.reshipper"
    if feature in ("hour_utc", "n_items", "is_card", "name_mismatch"):
        return "order." + feature
    return "cross_border." + feature.replace("_missing", "")


# --------------------------------------------------------------------------------------------
# Order-only signals: written once with numpy so the online path (arrays of length 1) and the
# offline path (whole columns) run the very same code; the geography is in ``fraud.geo``.


def static_features(cols: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    def ne(a: str, b: str) -> np.ndarray:
        x, y = cols[a], cols[b]
        out: np.ndarray = ((x != "") & (y != "") & (x != y)).astype(np.float64)
        return out

    amount = cols["amount"].astype(np.float64)
    card_c = cols["card_country"]
    ip_p, card_p, bill_p, ship_p = (
        country_latlon(cols[c])
        for c in ("ip_country", "card_country", "bill_country", "ship_country")
    )
    # The four distances in one pass (one set of numpy calls, not four).
    km = km_between(
        np.concatenate([ip_p, ip_p, card_p, bill_p]),
        np.concatenate([card_p, ship_p, ship_p, ship_p]),
    ).reshape(4, -1)
    ip_r, card_r, ship_r = (
        regions(cols["ip_country"]),
        regions(card_c),
        regions(cols["ship_country"]),
    )
    return {
        "amount": amount,
        "log_amount": np.log1p(amount),
        "hour_utc": (cols["t"] % DAY) / HOUR,
        "n_items": cols["n_items"].astype(np.float64),
        "is_card": (cols["method"] == "card").astype(np.float64),
        "ip_ne_card": ne("ip_country", "card_country"),
        "card_ne_bill": ne("card_country", "bill_country"),
        "bill_ne_ship": ne("bill_country", "ship_country"),
        "ip_ne_ship": ne("ip_country", "ship_country"),
        "card_ne_ship": ne("card_country", "ship_country"),
        "ip_region_ne_card": ((ip_r != "") & (card_r != "") & (ip_r != card_r)).astype(float),
        "ship_region_ne_card": ((ship_r != "") & (card_r != "") & (ship_r != card_r)).astype(float),
        "ip_card_km": km[0],
        "ip_ship_km": km[1],
        "card_ship_km": km[2],
        "bill_ship_km": km[3],
        "cross_border": ne("origin_country", "ship_country"),
        "forwarder": cols["forwarder"].astype(np.float64),
        "reshipper": cols["reshipper"].astype(np.float64),
        "name_mismatch": cols["name_mismatch"].astype(np.float64),
        "ip_country_missing": (cols["ip_country"] == "").astype(np.float64),
        "card_country_missing": (card_c == "").astype(np.float64),
    }


def _history_stats(n: float, s: float, sq: float, amount: float) -> tuple[float, float, float]:
    """(prior mean, ratio, z) from prior count/sum/sum of squares — shared by both paths."""
    mean = s / n if n else 0.0
    var = max((sq - s * mean) / (n - 1), 0.0) if n > 1 else 0.0
    ratio = amount / mean if mean else 0.0
    z = (amount - mean) / max(var**0.5, 1.0) if n else 0.0
    return mean, ratio, z


_vec_history = np.vectorize(_history_stats, otypes=[float, float, float])


# --------------------------------------------------------------------------------------------
# Offline execution.


def _label_times(flat: pd.DataFrame, labels: pd.DataFrame | None) -> np.ndarray:
    """0/1 fraud flag per row from the latest label of each order (unlabelled = genuine)."""
    if labels is None or labels.empty:
        return np.zeros(len(flat), dtype=np.float64)
    m = dict(zip(labels["order_id"], labels["is_fraud"], strict=True))
    return np.array([m.get(o, 0) for o in flat["order_id"]], dtype=np.float64)


def check_flat(flat: pd.DataFrame, where: str = "orders") -> None:
    need = ("order_id", "t", "amount", "currency", *ENTITY_COLS)
    missing = [c for c in need if c not in flat.columns]
    if missing:
        raise InvalidInput(f"missing column(s) {', '.join(missing)}", where=where)
    for c in flat.columns:
        if flat[c].isna().any():
            raise InvalidInput(
                f"null value in column {c} (row {int(flat[c].isna().argmax())})", where=where
            )
    if flat["order_id"].duplicated().any():
        dup = flat.loc[flat["order_id"].duplicated(), "order_id"].iloc[0]
        raise InvalidInput(f"duplicate order id {dup!r}", where=where)


ENTITY_COLS = ("customer", "card", "device", "ip", "email", "ship_addr", "corridor", "merchant")


def offline_features(
    flat: pd.DataFrame,
    labels: pd.DataFrame | None = None,
    label_delay_days: int = DEFAULT_LABEL_DELAY_DAYS,
    spec: Spec = SPEC,
) -> pd.DataFrame:
    """Features for every order of ``flat`` given all of them as history, in time order."""
    check_flat(flat)
    if label_delay_days < 0:
        raise InvalidInput("must be zero or more", where="label_delay_days")
    n = len(flat)
    t_abs = flat["t"].to_numpy(dtype=np.int64)
    t0 = int(t_abs.min()) if n else 0
    t = t_abs - t0
    amount = flat["amount"].to_numpy(dtype=np.float64)
    fraud = _label_times(flat, labels)
    delay = label_delay_days * DAY
    cols = {c: flat[c].to_numpy() for c in flat.columns}
    cols["t"] = t_abs
    out: dict[str, np.ndarray] = static_features(cols)

    horizon = delay + LABEL_WINDOW_DAYS * DAY + 31 * DAY
    groups: dict[str, tuple[Grouped, np.ndarray]] = {}

    def grouped(entity: str, by_currency: bool = False) -> tuple[Grouped, np.ndarray]:
        """Rows grouped by the entity's value, or by (value, currency) for amount aggregates."""
        key = f"{entity}@currency" if by_currency else entity
        if key not in groups:
            codes = pd.factorize(flat[entity], sort=False)[0].astype(np.int64)
            if by_currency:
                cur = pd.factorize(flat["currency"], sort=False)[0].astype(np.int64)
                codes = codes * (int(cur.max(initial=0)) + 1) + cur
            present = flat[entity].to_numpy() != ""
            g = Grouped.build(codes, t, horizon=horizon)
            groups[key] = (g, present[g.order])
        return groups[key]

    def put(name: str, g: Grouped, present_sorted: np.ndarray, v: np.ndarray) -> None:
        out[name] = g.to_original(np.where(present_sorted, v, 0.0))

    for e, w, agg in spec.velocity:
        # counts over every currency; amount sums only over the order's own currency
        g, pres = grouped(e, by_currency=agg == "sum")
        lo, hi = g.bounds(w, 0)
        v = window_count(lo, hi) if agg == "count" else window_sum(g.sorted_view(amount), lo, hi)
        put(f"{e}_{agg}_{_wname(w)}", g, pres, v)
    for e in spec.age:
        g, pres = grouped(e)
        first = np.searchsorted(g.key, g.group * g.span, side="left")
        put(f"{e}_age_hours", g, pres, (g.key - g.key[first]) / HOUR)
    for e in spec.history:
        g, pres = grouped(e)
        put(f"{e}_prior_orders", g, pres, window_count(*g.prior_bounds()))
        g, pres = grouped(e, by_currency=True)
        lo, hi = g.prior_bounds()
        a = g.sorted_view(amount)
        pn = window_count(lo, hi)
        mean, ratio, z = _vec_history(pn, window_sum(a, lo, hi), window_sum(a * a, lo, hi), a)
        put(f"{e}_prior_orders_same_currency", g, pres, pn)
        put(f"{e}_prior_mean_amount", g, pres, mean)
        put(f"{e}_amount_ratio", g, pres, ratio)
        put(f"{e}_amount_z", g, pres, z)
    for e, o in spec.distinct:
        g, pres = grouped(e)
        other = flat[o].to_numpy()[g.order]
        ocode = pd.factorize(other, sort=False)[0].astype(np.int64)
        # A row is "new" if its (entity, other) pair has not occurred earlier in stream order.
        pair = pd.Series(g.group * (int(ocode.max(initial=0)) + 1) + ocode)
        new = (~pair.duplicated().to_numpy()) & (other != "")
        start = np.searchsorted(g.key, g.group * g.span, side="left")
        csum = np.concatenate(([0.0], np.cumsum(new)))
        put(f"{e}_distinct_{o}", g, pres, csum[np.arange(n) + 1] - csum[start])
    for e in spec.label:
        g, pres = grouped(e)
        lo, hi = g.bounds(delay + LABEL_WINDOW_DAYS * DAY, delay)
        if delay == 0:
            hi = np.maximum(hi - 1, lo)  # the current order's own label is never known
        known = window_count(lo, hi)
        frauds = window_sum(g.sorted_view(fraud), lo, hi)
        put(f"{e}_known_orders", g, pres, known)
        put(f"{e}_known_frauds", g, pres, frauds)
        put(f"{e}_known_fraud_rate", g, pres, safe_div(frauds, known))
    return pd.DataFrame({k: out[k] for k in feature_names(spec)}, index=flat.index)


# --------------------------------------------------------------------------------------------
# Online execution.


class Prior(NamedTuple):
    """What an online store knows of an entity's recorded orders up to a time."""

    orders: int  # in every currency
    first_t: int | None  # time of the first of them
    same_currency: int  # those in the given currency
    amount_sum: float  # their amounts (same currency only)
    amount_sumsq: float


class EntityView(Protocol):
    """What an online store knows about one entity's orders recorded before the current one."""

    def window(self, entity: str, value: str, lo: int, hi: int, currency: str) -> tuple[int, float]:
        """(count, amount sum in ``currency``) of recorded orders with lo < t <= hi; the count
        is over every currency."""

    def prior(self, entity: str, value: str, t: int, currency: str) -> Prior:
        """Recorded orders with t_j <= t (amounts: those in ``currency`` only)."""

    def distinct(self, entity: str, value: str, other: str) -> set[str] | int:
        """The other values linked to this entity (a set) or their count."""

    def linked(self, entity: str, value: str, other: str, other_value: str) -> bool: ...

    def labelled(self, entity: str, value: str, lo: int, hi: int) -> tuple[int, int]:
        """(orders, frauds) among recorded orders with lo < t <= hi, by their latest label."""


def online_features(
    flat: Mapping[str, Any],
    view: EntityView,
    label_delay_days: int = DEFAULT_LABEL_DELAY_DAYS,
    spec: Spec = SPEC,
) -> dict[str, float]:
    """Features of one (not yet recorded) order against what ``view`` has recorded."""
    return online_features_many([flat], [view], label_delay_days, spec)[0]


def online_features_many(
    flats: Sequence[Mapping[str, Any]],
    views: Sequence[EntityView],
    label_delay_days: int = DEFAULT_LABEL_DELAY_DAYS,
    spec: Spec = SPEC,
) -> list[dict[str, float]]:
    """``online_features`` of several orders, each against its own view.

    The order-only signals (``static_features``) run once over the orders' columns, as the
    offline path runs them over a whole history, instead of once per order on arrays of one:
    numpy's per-call cost was most of a Spark batch's feature time. Element-wise, the values
    are the same (the fraud and Spark parity tests compare them)."""
    if not flats:
        return []
    cols = {k: np.array([f[k] for f in flats]) for k in flats[0]}
    static = static_features(cols)
    return [
        _entity_features(
            flat, view, {k: float(v[i]) for k, v in static.items()}, label_delay_days, spec
        )
        for i, (flat, view) in enumerate(zip(flats, views, strict=True))
    ]


def _entity_features(
    flat: Mapping[str, Any],
    view: EntityView,
    out: dict[str, float],
    label_delay_days: int,
    spec: Spec,
) -> dict[str, float]:
    """Add the history features of one order (what ``view`` recorded before it) to ``out``."""
    t = int(flat["t"])
    amount = float(flat["amount"])
    currency = str(flat["currency"])
    label_lo, label_hi = label_bounds(t, label_delay_days)
    for e, w, agg in spec.velocity:
        v = flat[e]
        if not v:
            out[f"{e}_{agg}_{_wname(w)}"] = 0.0
            continue
        c, s = view.window(e, v, t - w, t, currency)
        out[f"{e}_{agg}_{_wname(w)}"] = float(c + 1) if agg == "count" else s + amount
    prior_cache: dict[str, Prior] = {}

    def prior(e: str) -> Prior:
        if e not in prior_cache:
            prior_cache[e] = view.prior(e, flat[e], t, currency)
        return prior_cache[e]

    for e in spec.age:
        first = prior(e).first_t if flat[e] else None
        out[f"{e}_age_hours"] = (t - first) / HOUR if first is not None else 0.0
    for e in spec.history:
        if not flat[e]:
            for suffix in HISTORY_SUFFIXES:
                out[f"{e}_{suffix}"] = 0.0
            continue
        p = prior(e)
        mean, ratio, z = _history_stats(
            float(p.same_currency), p.amount_sum, p.amount_sumsq, amount
        )
        out[f"{e}_prior_orders"] = float(p.orders)
        out[f"{e}_prior_orders_same_currency"] = float(p.same_currency)
        out[f"{e}_prior_mean_amount"] = mean
        out[f"{e}_amount_ratio"] = ratio
        out[f"{e}_amount_z"] = z
    for e, o in spec.distinct:
        v, ov = flat[e], flat[o]
        if not v:
            out[f"{e}_distinct_{o}"] = 0.0
            continue
        d = view.distinct(e, v, o)
        count = len(d) if isinstance(d, set) else d
        is_new = bool(ov) and (ov not in d if isinstance(d, set) else not view.linked(e, v, o, ov))
        out[f"{e}_distinct_{o}"] = float(count + int(is_new))
    for e in spec.label:
        v = flat[e]
        if not v:
            known = frauds = 0
        else:
            known, frauds = view.labelled(e, v, label_lo, label_hi)
        out[f"{e}_known_orders"] = float(known)
        out[f"{e}_known_frauds"] = float(frauds)
        out[f"{e}_known_fraud_rate"] = frauds / known if known else 0.0
    return out


@dataclass
class _Entity:
    times: list[int] = field(default_factory=list)
    amounts: list[float] = field(default_factory=list)
    currencies: list[str] = field(default_factory=list)
    order_ids: list[str] = field(default_factory=list)
    fraud_times: list[int] = field(default_factory=list)  # times of orders labelled fraud


class MemoryFeatureStore:
    """In-process online store: per entity, its orders' times, amounts and labels.

    Fast (binary searches) and exact; it lives as long as the process. ``SqlFeatureStore`` is
    the durable one. Both implement ``EntityView`` plus ``record`` and ``record_label``.
    """

    def __init__(self, label_delay_days: int = DEFAULT_LABEL_DELAY_DAYS) -> None:
        self.label_delay_days = label_delay_days
        self._e: dict[tuple[str, str], _Entity] = defaultdict(_Entity)
        self._links: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        self._orders: dict[str, dict[str, Any]] = {}
        self._labels: dict[str, bool] = {}

    # --- EntityView
    def window(self, entity: str, value: str, lo: int, hi: int, currency: str) -> tuple[int, float]:
        ent = self._e.get((entity, value))
        if ent is None:
            return 0, 0.0
        i, j = bisect_right(ent.times, lo), bisect_right(ent.times, hi)
        cur = ent.currencies
        return j - i, float(sum(a for k, a in enumerate(ent.amounts[i:j], i) if cur[k] == currency))

    def prior(self, entity: str, value: str, t: int, currency: str) -> Prior:
        ent = self._e.get((entity, value))
        if ent is None:
            return Prior(0, None, 0, 0.0, 0.0)
        j = bisect_right(ent.times, t)
        a = [x for x, c in zip(ent.amounts[:j], ent.currencies[:j], strict=True) if c == currency]
        return Prior(
            j,
            ent.times[0] if j else None,
            len(a),
            float(sum(a)),
            float(sum(x * x for x in a)),
        )

    def distinct(self, entity: str, value: str, other: str) -> set[str]:
        return self._links.get((entity, value, other), set())

    def linked(self, entity: str, value: str, other: str, other_value: str) -> bool:
        return other_value in self._links.get((entity, value, other), set())

    def labelled(self, entity: str, value: str, lo: int, hi: int) -> tuple[int, int]:
        ent = self._e.get((entity, value))
        if ent is None:
            return 0, 0
        known = bisect_right(ent.times, hi) - bisect_right(ent.times, lo)
        frauds = bisect_right(ent.fraud_times, hi) - bisect_right(ent.fraud_times, lo)
        return known, frauds

    # --- updates
    def features(self, flat: Mapping[str, Any]) -> dict[str, float]:
        return online_features(flat, self, self.label_delay_days)

    def record(self, flat: Mapping[str, Any]) -> None:
        oid = str(flat["order_id"])
        if oid in self._orders:
            return  # idempotent, like the engine's order ids
        self._orders[oid] = dict(flat)
        t = int(flat["t"])
        for e in ENTITY_COLS:
            v = flat[e]
            if not v:
                continue
            ent = self._e[(e, v)]
            # Insert after equal times: a later-recorded order at the same second comes after.
            i = bisect_right(ent.times, t)
            ent.times.insert(i, t)
            ent.amounts.insert(i, float(flat["amount"]))
            ent.currencies.insert(i, str(flat["currency"]))
            ent.order_ids.insert(i, oid)
        for e, o in SPEC.distinct:
            if flat[e] and flat[o]:
                self._links[(e, flat[e], o)].add(flat[o])
        if self._labels.get(oid):
            self._mark(oid, True)

    def record_label(self, order_id: str, is_fraud: bool) -> None:
        """Set the order's latest label; unknown orders are kept for when they arrive."""
        before = self._labels.get(order_id, False)
        self._labels[order_id] = is_fraud
        if order_id in self._orders and before != is_fraud:
            self._mark(order_id, is_fraud)

    def _mark(self, order_id: str, fraud: bool) -> None:
        flat = self._orders[order_id]
        t = int(flat["t"])
        for e in ENTITY_COLS:
            v = flat[e]
            if not v:
                continue
            ft = self._e[(e, v)].fraud_times
            if fraud:
                insort(ft, t)
            else:
                i = bisect_left(ft, t)
                if i < len(ft) and ft[i] == t:
                    ft.pop(i)

    def __len__(self) -> int:
        return len(self._orders)
