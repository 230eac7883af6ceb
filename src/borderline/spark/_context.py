"""What a Spark task hands the engine instead of a database: pure, picklable context providers.

In-process, the engine reads a customer's running aggregates (``DbHistory``), the fraud
feature store (``SqlFeatureStore``), the block/allow lists (``ListCache``) and the data-flow
register (``DbVolumes``) from the database. In a Spark task the same questions are answered
from values computed point in time by window functions (``borderline.spark.features``) and
from snapshots taken on the driver and broadcast. Nothing here imports PySpark: the classes
are plain Python so they can be tested and pickled on their own.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from borderline.engine import CustomerHistory, ListHit
from borderline.fraud import (
    DEFAULT_LABEL_DELAY_DAYS,
    Prior,
    label_bounds,
    online_features,
)

# -- customer history --------------------------------------------------------------------------


def history_from_row(row: Mapping[str, Any]) -> CustomerHistory:
    """The ``CustomerHistory`` of the ``hist_*`` columns ``features.point_in_time`` adds."""
    n = int(row["hist_orders"])
    if n == 0:
        return CustomerHistory()
    return CustomerHistory(
        orders=n,
        amount_sum=float(row["hist_sum"]),
        amount_sumsq=float(row["hist_sumsq"]),
        first_seen=_from_us(row["hist_first_us"]),
        last_seen=_from_us(row["hist_last_us"]),
        countries=frozenset(row["hist_countries"] or ()),
    )


def _from_us(us: int | None) -> datetime | None:
    if us is None:
        return None
    return datetime.fromtimestamp(int(us) // 1_000_000, tz=UTC).replace(
        microsecond=int(us) % 1_000_000
    )


class RowHistory:
    """``HistoryProvider`` for one order: its customer's history before it, computed in Spark.

    The engine and the consistency assessor only ever ask about the order's own customer;
    any other key is a programming error, not an empty history.
    """

    def __init__(self, key: str, history: CustomerHistory) -> None:
        self.key, self.history = key, history

    def customer(self, key: str, before: datetime) -> CustomerHistory:
        if key != self.key:
            raise LookupError(f"history of {key!r} was not computed for this order")
        return self.history


# -- fraud features ------------------------------------------------------------------------------


class RowView:
    """``EntityView`` over one order's point-in-time columns (see ``features.point_in_time``).

    It answers the questions ``online_features`` asks of that order, from the counts and sums
    the window functions computed over the orders before it; ``online_features`` then runs
    exactly as it does over ``SqlFeatureStore``, so the features are the same code's output.
    """

    def __init__(self, row: Mapping[str, Any], label_delay_days: int) -> None:
        self.row = row
        self.t = int(row["t"])
        self.label = label_bounds(self.t, label_delay_days)

    def _get(self, name: str) -> Any:
        try:
            return self.row[name]
        except KeyError:
            raise LookupError(f"column {name} was not computed for this order") from None

    def window(self, entity: str, value: str, lo: int, hi: int, currency: str) -> tuple[int, float]:
        if hi != self.t:
            raise LookupError(f"window ending at {hi}, not at the order's time {self.t}")
        w = hi - lo
        count = int(self._get(f"{entity}__n_{w}"))
        # Windows the spec only counts have no amount column; online_features then never
        # reads the sum (it adds amounts only for "sum" windows).
        s = self.row.get(f"{entity}__s_{w}")
        return count, float(s or 0.0)

    def prior(self, entity: str, value: str, t: int, currency: str) -> Prior:
        n = int(self._get(f"{entity}__prior_n"))
        first = self._get(f"{entity}__first_t")
        if f"{entity}__prior_nc" not in self.row:
            # An entity with an age feature and no amount history: online_features reads
            # only its count and first time.
            return Prior(n, int(first) if n else None, 0, 0.0, 0.0)
        return Prior(
            n,
            int(first) if n else None,
            int(self._get(f"{entity}__prior_nc")),
            float(self._get(f"{entity}__prior_sum") or 0.0),
            float(self._get(f"{entity}__prior_sumsq") or 0.0),
        )

    def distinct(self, entity: str, value: str, other: str) -> int:
        return int(self._get(f"{entity}__dist_{other}")) - int(self._get(f"{entity}__new_{other}"))

    def linked(self, entity: str, value: str, other: str, other_value: str) -> bool:
        return not bool(self._get(f"{entity}__new_{other}"))

    def labelled(self, entity: str, value: str, lo: int, hi: int) -> tuple[int, int]:
        if (lo, hi) != self.label:
            raise LookupError(f"label window ({lo}, {hi}] was not computed for this order")
        return int(self._get(f"{entity}__known")), int(self._get(f"{entity}__frauds") or 0)


@dataclass
class RowFeatureStore:
    """What the fraud assessor expects in ``ctx.extras["fraud.feature_store"]``."""

    view: RowView
    label_delay_days: int = DEFAULT_LABEL_DELAY_DAYS

    def features(self, flat: Mapping[str, Any]) -> dict[str, float]:
        return online_features(flat, self.view, self.label_delay_days)


# -- block/allow lists ---------------------------------------------------------------------------


class ListSnapshot:
    """``ListProvider`` over the live block/allow entries read once on the driver.

    The same lookups as the service's ``ListCache`` (exact value per kind, IP ranges, any kind
    by value), without its refresh: a Spark job decides against one version of the lists.
    """

    def __init__(self, hits: Iterable[ListHit]) -> None:
        self.hits = list(hits)
        self._exact: dict[tuple[str, str], list[ListHit]] = defaultdict(list)
        self._by_value: dict[str, list[ListHit]] = defaultdict(list)
        self._networks: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ListHit]] = []
        for h in self.hits:
            self._by_value[h.value].append(h)
            if h.kind == "ip" and "/" in h.value:
                self._networks.append((ipaddress.ip_network(h.value, strict=False), h))
            else:
                self._exact[(h.kind, h.value)].append(h)

    def __getstate__(self) -> list[ListHit]:
        return self.hits

    def __setstate__(self, state: list[ListHit]) -> None:
        self.__init__(state)  # type: ignore[misc]

    def lookup(self, kind: str, value: str) -> Sequence[ListHit]:
        if kind == "any":
            return self._by_value.get(value, ())
        hits = list(self._exact.get((kind, value), ()))
        if kind == "ip" and self._networks:
            try:
                addr = ipaddress.ip_address(value)
            except ValueError:
                return hits
            hits += [h for net, h in self._networks if addr.version == net.version and addr in net]
        return hits
