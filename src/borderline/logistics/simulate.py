"""Seeded, vectorised Monte Carlo of a disruption scenario over an order flow and its routes.

Every array is (draws, orders). Per draw the scenario's uncertain numbers are drawn once
(duration, capacity cut, cost multiplier…); per order and draw the route's transit time is
lognormal around its table value. Baseline and scenario share the same transit draws, so the
difference between them is the scenario's effect, not noise.

Queues use a fluid FIFO model. A node normally carries ``u`` (its utilisation) of its full
throughput. During a closure from ``s`` to ``e`` a shipment arriving at ``a`` waits for the
reopening and then for the ``u*(a-s)`` days of traffic queued ahead of it:
``W = (e-a) + u*(a-s)``; after reopening the backlog ``u*D`` drains at ``1-u`` per day, so it
is gone ``u*D/(1-u)`` days later. A capacity cut ``c`` with demand multiplier ``m`` queues only
when ``u*m > 1-c``, growing ``u*m-(1-c)`` per day. Closures of nodes on a route with an
``alternative`` divert the shipment when the remaining closure is longer than the detour.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from borderline.errors import InvalidInput
from borderline.logistics.flow import OrderFlow, flow_from_scenario
from borderline.logistics.network import AIR_MODES, Network, Route, _matches, default_network
from borderline.logistics.scenario import _LIMITS, Event, Normal, Param, Scenario, Uniform
from borderline.refdata import country_code

__all__ = ["OrderFlow", "SimulationResult", "check_memory", "run_checks", "simulate"]

# Bytes per (draw, order) cell: about a dozen float64 arrays are alive at the peak.
BYTES_PER_CELL = 12 * 8
Z90 = 1.2815515655446004  # standard normal 90th percentile: default promise = p90 transit


def _sample(
    p: Param | None, rng: np.random.Generator, draws: int, lo: float, hi: float
) -> np.ndarray:
    if p is None:
        return np.zeros(draws)
    if isinstance(p, Uniform):
        v = rng.uniform(p.low, p.high, draws)
    elif isinstance(p, Normal):
        v = rng.normal(p.mean, p.sd, draws)
    else:
        v = np.full(draws, float(p))
    return np.clip(v, lo, hi)


def _quantiles(x: np.ndarray) -> dict[str, float]:
    if x.size == 0:
        return {"mean": 0.0, "p50": 0.0, "p90": 0.0, "p99": 0.0, "max": 0.0}
    q = np.quantile(x, [0.5, 0.9, 0.99])
    return {
        "mean": round(float(x.mean()), 3),
        "p50": round(float(q[0]), 3),
        "p90": round(float(q[1]), 3),
        "p99": round(float(q[2]), 3),
        "max": round(float(x.max()), 3),
    }


def _spread(x: np.ndarray, digits: int = 2) -> dict[str, float]:
    q = np.quantile(x, [0.05, 0.5, 0.95])
    return {
        "mean": round(float(x.mean()), digits),
        "p5": round(float(q[0]), digits),
        "p50": round(float(q[1]), digits),
        "p95": round(float(q[2]), digits),
    }


@dataclass
class SimulationResult:
    scenario: Scenario
    corridors: dict[str, dict[str, Any]]
    totals: dict[str, Any]
    events: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    draws: int
    orders: int
    # Kept for plots: per-corridor pooled extra delay samples and per-draw money totals.
    samples: dict[str, np.ndarray]
    per_draw: dict[str, dict[str, np.ndarray]]
    # Per order (index as in the flow), shares over draws: hit, rerouted, waited out a closure,
    # queued behind a capacity cut, late; and mean extra days when hit. For the assessor.
    per_order: dict[str, np.ndarray] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        s = self.scenario
        return {
            "scenario": {
                "id": s.id,
                "name": s.name,
                "start": s.simulation.start.isoformat(),
                "days": s.simulation.days,
            },
            "draws": self.draws,
            "orders": self.orders,
            "seed": s.simulation.seed,
            "corridors": self.corridors,
            "totals": self.totals,
            "events": self.events,
            "checks": self.checks,
            "facts": [f.model_dump() for f in s.facts],
        }


def check_memory(draws: int, orders: int, max_memory_mb: int) -> None:
    need = draws * orders * BYTES_PER_CELL
    if need > max_memory_mb * 1024 * 1024:
        raise InvalidInput(
            f"{draws:,} draws x {orders:,} orders needs about {need / 2**20:,.0f} MB, over the "
            f"limit of {max_memory_mb:,} MB; lower simulation.draws or raise "
            "simulation.max_memory_mb",
            where="simulation.draws",
        )


def _resolve_routes(flow: OrderFlow, net: Network) -> list[Route]:
    out: list[Route] = []
    cache: dict[tuple[str, str, str, str | None], Route] = {}
    for i in range(len(flow)):
        key = (flow.origin[i], flow.destination[i], flow.mode[i], flow.route[i])
        r = cache.get(key)
        if r is None:
            if key[3] is not None:
                try:
                    r = net.route(key[3])
                except KeyError:
                    raise InvalidInput(
                        f"unknown route {key[3]!r}", where=f"orders[{i}].route"
                    ) from None
            else:
                found = net.find_route(*key[:3])
                if found is None:
                    raise InvalidInput(
                        f"no route from {key[0]} to {key[1]} by {key[2]} in the network table "
                        f"(version {net.version}); add one or name a route",
                        where=f"orders[{i}] ({flow.ids[i]})",
                    )
                r = found
            cache[key] = r
        out.append(r)
    return out


def _validate_targets(scenario: Scenario, net: Network) -> None:
    kinds = {"port": ("port",), "airport": ("airport",), "chokepoint": ("chokepoint", "waypoint")}
    for i, e in enumerate(scenario.events):
        t = e.target
        if t.kind in kinds:
            node = net.nodes.get(t.id or "")
            if node is None:
                known = sorted(k for k, n in net.nodes.items() if n.kind in kinds[t.kind])
                raise InvalidInput(
                    f"unknown {t.kind} {t.id!r}; known: {known}",
                    where=f"events[{i}].target.id",
                )
            if node.kind not in kinds[t.kind]:
                raise InvalidInput(
                    f"{t.id!r} is a {node.kind}, not a {t.kind}", where=f"events[{i}].target.kind"
                )
        if t.kind == "customs" and country_code(t.country or "", alpha3=True) is None:
            raise InvalidInput(
                f"unknown country {t.country!r}", where=f"events[{i}].target.country"
            )


def simulate(
    scenario: Scenario,
    flow: OrderFlow | None = None,
    network: Network | None = None,
    *,
    order_streams: bool = False,
) -> SimulationResult:
    """Run the scenario over ``flow`` (default: the scenario's own flow).

    Scenario-level numbers and transit noise come from separate seeded streams. With
    ``order_streams`` each order's transit noise is drawn from its own stream keyed by its id,
    so an order's result does not depend on which other orders share the run (the assessor
    needs that: a decision must replay the same in a batch of one or of a thousand).
    """
    net = network or default_network()
    _validate_targets(scenario, net)
    sim = scenario.simulation
    own_flow = flow is None
    if flow is None:
        # Refuse before generating: a flow of millions of orders is itself the allocation.
        expected = sum(max(1, round(f.orders_per_day * sim.days)) for f in scenario.flow)
        check_memory(sim.draws, expected, sim.max_memory_mb)
        flow = flow_from_scenario(scenario)
    D, N = sim.draws, len(flow)
    check_memory(D, N, sim.max_memory_mb)
    rng = np.random.default_rng([sim.seed, 0])  # scenario-level draws
    routes = _resolve_routes(flow, net)

    base = np.array([r.transit_days for r in routes])
    sigma = np.array([r.sd_share for r in routes])
    rate = np.array([r.cost_per_kg for r in routes])
    # Lognormal with mean 1, so the table's transit time is the mean transit time.
    if order_streams:
        z = np.column_stack(
            [
                np.random.default_rng(
                    [sim.seed, 1, zlib.crc32(oid.encode("utf-8"))]
                ).standard_normal(D)
                for oid in flow.ids
            ]
        )
    else:
        z = np.random.default_rng([sim.seed, 1]).standard_normal((D, N))
    noise = np.exp(sigma * z - sigma**2 / 2)
    t0 = base * noise
    promised = np.where(
        np.isnan(flow.promised), np.ceil(base * np.exp(Z90 * sigma - sigma**2 / 2)), flow.promised
    )
    extra = np.zeros((D, N))
    cost_factor = np.ones((D, N))
    rerouted = np.zeros((D, N), dtype=bool)
    waited = np.zeros((D, N), dtype=bool)  # held at a closed node rather than diverted
    queued = np.zeros((D, N), dtype=bool)  # delayed by a capacity cut

    # Demand multipliers per target key, drawn once per draw, used by closures and cuts.
    demand: dict[str, np.ndarray] = {}
    for e in scenario.events:
        if e.effect == "demand_shift":
            demand[e.target.key] = _sample(e.value, rng, D, 0.0, 20.0)[:, None]

    event_rows: list[dict[str, Any]] = []
    for ei, e in enumerate(scenario.events):
        frac, mask, node_id = _matching(e, flow, routes, net)
        dur = (
            np.full(D, e.fixed_duration)
            if e.fixed_duration is not None
            else _sample(e.duration_days, rng, D, 1e-6, 3650.0)
        )[:, None]
        value = _sample(e.value, rng, D, *_bounds(e))[:, None]
        s = float((e.start - sim.start).days)
        row: dict[str, Any] = {
            "index": ei,
            "target": e.target.key,
            "effect": e.effect,
            "start": e.start.isoformat(),
            "duration_days": _spread(dur[:, 0]),
            "orders_exposed": int(mask.sum()),
        }
        if mask.any():
            idx = np.flatnonzero(mask)
            a = flow.ship_day[idx] + frac[idx] * t0[:, idx]  # when each shipment reaches the target
            end = s + dur
            inside = (a >= s) & (a < end)
            u0 = e.utilisation or (net.nodes[node_id].utilisation if node_id else 0.8)
            m = demand.get(e.target.key, np.ones((D, 1)))
            if e.effect == "closure":
                u = np.minimum(u0 * m, 0.999)
                wait = np.where(
                    inside,
                    (end - a) + u * (a - s),
                    np.where(a >= end, np.maximum(0.0, u * dur - (1 - u) * (a - end)), 0.0),
                )
                add = wait
                held = wait > 0
                if e.reroute and node_id is not None:
                    alt_extra, alt_cost = _detours(idx, routes, net, node_id, t0)
                    divert = inside & np.isfinite(alt_extra) & ((end - a) > alt_extra)
                    add = np.where(divert, alt_extra, wait)
                    cost_factor[:, idx] *= np.where(divert, alt_cost, 1.0)
                    rerouted[:, idx] |= divert
                    held = held & ~divert
                waited[:, idx] |= held
                extra[:, idx] += add
                row["backlog_clear_days"] = _spread((u * dur / (1 - u))[:, 0])
            elif e.effect == "capacity_cut":
                cap = 1.0 - value
                growth = np.maximum(0.0, u0 * m - cap)
                wait = np.where(
                    inside,
                    growth * (a - s) / cap,
                    np.where(a >= end, np.maximum(0.0, growth * dur - (1 - u0) * (a - end)), 0.0),
                )
                extra[:, idx] += wait
                queued[:, idx] |= wait > 0
                row["utilisation"] = _spread((u0 * m / cap)[:, 0], 4)
                row["throughput_share"] = _spread(np.minimum(1.0, cap / (u0 * m))[:, 0], 4)
            elif e.effect == "added_days":
                extra[:, idx] += np.where(inside, value, 0.0)
            elif e.effect == "cost_multiplier":
                cost_factor[:, idx] *= np.where(inside, value, 1.0)
            if e.effect != "demand_shift":
                row["share_hit"] = round(float(inside.mean()), 4)
        if e.value is not None:
            row["value"] = _spread(value[:, 0])
        event_rows.append(row)

    total = t0 + extra
    late0 = t0 > promised
    late = total > promised
    cost0 = flow.weight * rate
    extra_cost = cost0 * (cost_factor - 1.0)
    late_by = total - promised
    replenish = ~np.isnan(flow.cover)
    cover = np.where(replenish, flow.cover, np.inf)
    short_days = np.maximum(0.0, late_by - cover)
    short_days0 = np.maximum(0.0, (t0 - promised) - cover)
    stockout = short_days > 0
    lost_sales = flow.daily_sales * (short_days - short_days0)
    newly_late = late & ~late0
    at_risk = flow.value * newly_late + lost_sales

    corridor_key = [
        f"{o}-{d}-{m}" for o, d, m in zip(flow.origin, flow.destination, flow.mode, strict=True)
    ]
    corridors: dict[str, dict[str, Any]] = {}
    samples: dict[str, np.ndarray] = {}
    per_draw: dict[str, dict[str, np.ndarray]] = {}
    keys = np.array(corridor_key)
    for key in sorted(set(corridor_key)):
        cols = np.flatnonzero(keys == key)
        ex = extra[:, cols]
        hit = ex > 1e-9
        draws_cost = extra_cost[:, cols].sum(axis=1)
        draws_risk = at_risk[:, cols].sum(axis=1)
        corridors[key] = {
            "route": routes[cols[0]].id,
            "orders": int(cols.size),
            "transit_days_baseline": round(float(t0[:, cols].mean()), 2),
            "promised_days": round(float(promised[cols].mean()), 2),
            "extra_delay_days": _quantiles(ex),
            "affected_share": round(float(hit.mean()), 4),
            "mean_extra_days_affected": round(float(ex[hit].mean()), 3) if hit.any() else 0.0,
            "mean_extra_share_affected": (
                round(float((ex[hit] / t0[:, cols][hit]).mean()), 4) if hit.any() else 0.0
            ),
            "rerouted_share": round(float(rerouted[:, cols].mean()), 4),
            "late_share": {
                "baseline": round(float(late0[:, cols].mean()), 4),
                "scenario": round(float(late[:, cols].mean()), 4),
            },
            "stockouts": _spread(stockout[:, cols].sum(axis=1).astype(float)),
            "extra_freight_cost_usd": _spread(draws_cost),
            "revenue_at_risk_usd": _spread(draws_risk),
        }
        samples[key] = ex.ravel()
        per_draw[key] = {"extra_freight_cost_usd": draws_cost, "revenue_at_risk_usd": draws_risk}
    totals = {
        "orders": N,
        "late_share": {
            "baseline": round(float(late0.mean()), 4),
            "scenario": round(float(late.mean()), 4),
        },
        "extra_delay_days": _quantiles(extra),
        "extra_freight_cost_usd": _spread(extra_cost.sum(axis=1)),
        "revenue_at_risk_usd": _spread(at_risk.sum(axis=1)),
        "stockouts": _spread(stockout.sum(axis=1).astype(float)),
    }
    result = SimulationResult(
        scenario=scenario,
        corridors=corridors,
        totals=totals,
        events=event_rows,
        checks=[],
        draws=D,
        orders=N,
        samples=samples,
        per_draw=per_draw,
    )
    hit = extra > 1e-9
    hits = hit.sum(axis=0)
    result.per_order = {
        "hit": hit.mean(axis=0),
        "extra_if_hit": np.where(hits > 0, extra.sum(axis=0) / np.maximum(hits, 1), 0.0),
        "rerouted": rerouted.mean(axis=0),
        "waited": waited.mean(axis=0),
        "queued": queued.mean(axis=0),
        "late": late.mean(axis=0),
    }
    if own_flow:
        result.checks = run_checks(result)
    else:
        # The published magnitudes were reproduced on the scenario's own flow; on another
        # order flow they are not a test, so they are listed as not run.
        result.checks = [
            {
                "corridor": x.corridor,
                "event": x.event,
                "metric": x.metric,
                "value": None,
                "between": list(x.between),
                "ok": None,
                "fact": x.fact,
                "skipped": "checks run on the scenario's own flow only",
            }
            for x in scenario.expect
        ]
    return result


def _bounds(e: Event) -> tuple[float, float]:
    """Where a drawn value is clipped: the same limits the scenario schema enforces."""
    lo, hi, _ = _LIMITS.get(e.effect, (0.0, 0.0, ""))
    return lo, hi


def _matching(
    e: Event, flow: OrderFlow, routes: list[Route], net: Network
) -> tuple[np.ndarray, np.ndarray, str | None]:
    """For each order: where along its transit it meets the target (0-1), and whether it does."""
    n = len(flow)
    frac = np.zeros(n)
    mask = np.zeros(n, dtype=bool)
    t = e.target
    node_id: str | None = None
    if t.kind in ("port", "airport", "chokepoint"):
        node_id = t.id
        for i, r in enumerate(routes):
            for p in r.path:
                if p.node == t.id:
                    frac[i], mask[i] = p.at, True
    elif t.kind == "customs":
        code = country_code(t.country or "", alpha3=True)
        side = flow.destination if t.direction == "import" else flow.origin
        mask = np.array([c == code for c in side], dtype=bool)
        frac[:] = 1.0 if t.direction == "import" else 0.0
    elif t.kind == "air_capacity":
        mask = np.array(
            [
                m in AIR_MODES and _matches(o, t.origins) and _matches(d, t.destinations)
                for m, o, d in zip(flow.mode, flow.origin, flow.destination, strict=False)
            ],
            dtype=bool,
        )
    elif t.kind == "carrier":
        want = (t.id or "").casefold()
        mask = np.array([c == want for c in flow.carrier], dtype=bool)
    return frac, mask, node_id


def _detours(
    idx: np.ndarray, routes: list[Route], net: Network, node: str, t0: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Extra days and cost factor of each order's alternative route (inf when there is none)."""
    extra_share = np.full(idx.size, np.inf)
    cost = np.ones(idx.size)
    for j, i in enumerate(idx):
        r = routes[i]
        if r.alternative is None:
            continue
        alt = net.route(r.alternative)
        if node in alt.nodes():
            continue
        extra_share[j] = alt.transit_days / r.transit_days - 1.0
        cost[j] = alt.cost_per_kg / r.cost_per_kg if r.cost_per_kg else 1.0
    # The detour scales with the shipment's own transit draw (slow steaming affects both).
    return t0[:, idx] * extra_share, np.broadcast_to(cost, (t0.shape[0], idx.size))


def _lookup(obj: Any, dotted: str) -> float:
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            raise KeyError(dotted)
        obj = obj[part]
    if not isinstance(obj, (int, float)):
        raise KeyError(dotted)
    return float(obj)


def run_checks(result: SimulationResult) -> list[dict[str, Any]]:
    """Evaluate the scenario's ``expect`` entries against the simulated figures."""
    out: list[dict[str, Any]] = []
    for i, x in enumerate(result.scenario.expect):
        if x.corridor is not None:
            scope: Any = result.corridors.get(x.corridor)
            if scope is None:
                # Another order flow (an orders file, one order in the assessor) need not
                # contain the corridor a historical check is about: report it as not run.
                out.append(
                    {
                        "corridor": x.corridor,
                        "event": None,
                        "metric": x.metric,
                        "value": None,
                        "between": list(x.between),
                        "ok": None,
                        "fact": x.fact,
                        "skipped": "corridor not in the order flow",
                    }
                )
                continue
        elif x.event is not None:
            scope = result.events[x.event]
            if scope["orders_exposed"] == 0:
                # No order in this flow meets the event: its figures were never computed.
                out.append(
                    {
                        "corridor": None,
                        "event": x.event,
                        "metric": x.metric,
                        "value": None,
                        "between": list(x.between),
                        "ok": None,
                        "fact": x.fact,
                        "skipped": "no order in the flow meets the event",
                    }
                )
                continue
        else:
            scope = result.totals
        try:
            value = _lookup(scope, x.metric)
        except KeyError:
            raise InvalidInput(
                f"no metric {x.metric!r} here", where=f"expect[{i}].metric"
            ) from None
        lo, hi = x.between
        out.append(
            {
                "corridor": x.corridor,
                "event": x.event,
                "metric": x.metric,
                "value": round(value, 4),
                "between": [lo, hi],
                "ok": lo <= value <= hi,
                "fact": x.fact,
            }
        )
    return out
