"""``LogisticsAssessor``: delay risk of each order, and the status of its corridor.

For an order it finds the route its shipment takes (``network.yaml``), the transit time that
route's table and the destination's World Bank LPI suggest, and the promise the merchant made
(``shipment.promised_delivery``; the route's 90th percentile when none is given). The
probability of late delivery is P(transit > promise) under the route's lognormal spread; the
expected delay is E[max(0, transit - promise)]. Active disruption scenarios (config
``scenarios``: shipped ids or YAML paths) are run for the order itself with the same Monte
Carlo as ``borderline logistics simulate``: if one hits its corridor the finding says so, and a
closure the shipment would have to wait out asks for ``hold_shipment``.

The corridor status comes from dated data: the disruptions in force on the order's date
(``disruptions.yaml``, data set ``corridor-disruptions``) at any node of its route. A diverted
corridor takes the route's alternative (its transit time), a closed one holds the shipment, a
delayed one adds the days its source gives. Each LPI value and disruption carries its source and
publication date into the evidence; data older than its freshness limit on the order's date
gives a ``logistics.data.stale`` finding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import cached_property, lru_cache
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import ValidationError

from borderline.engine.assessor import AssessContext, BaseAssessor
from borderline.errors import InvalidInput, from_validation
from borderline.lazy import lazy
from borderline.logistics import disruptions as dis
from borderline.logistics.history import History
from borderline.logistics.lpi import DATASET as LPI_DATASET
from borderline.logistics.lpi import HISTORIC_LAST, LPI_FILE, LPIScore, lpi
from borderline.logistics.model import SavedModel, load_model
from borderline.logistics.network import Network, Route, default_network, load_network
from borderline.logistics.scenario import Scenario, resolve_scenario
from borderline.logistics.simulate import OrderFlow, simulate
from borderline.model import Finding, Order, Severity
from borderline.refdata import datasets

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")

# Fixed standard-normal quantiles: the expected delay is an exact-enough deterministic integral,
# so the same order always gets the same answer (no random draws in the per-order path).
_Z = np.array([NormalDist().inv_cdf((i + 0.5) / 400) for i in range(400)])
# Faster services to suggest when a slow one is likely late.
_UPGRADE = {
    "postal": "express",
    "ocean": "air",
    "road": "express",
    "rail": "air",
    "air": "express",
    "air_charter": "express",
}
# Customs and handling at a destination with a weak LPI customs score take longer: one extra
# day per point below 3.5 (the LPI's upper-middle band), a documented prior, not a fit.
_LPI_GOOD = 3.5


@lru_cache(maxsize=4096)
def _lateness(mean: float, sigma: float, promised: float | None) -> tuple[float, float, float]:
    """(promised days, probability of arriving late, expected days late) for a lognormal
    transit time of ``mean`` days and spread ``sigma``; without a promise, the route's 90th
    percentile rounded up. Kept per (mean, sigma, promise): many orders share a corridor."""
    transit = mean * np.exp(sigma * _Z - sigma**2 / 2)
    if promised is None:
        promised = float(np.ceil(np.quantile(transit, 0.9)))
    late_by = transit - promised
    return promised, float((late_by > 0).mean()), float(np.maximum(late_by, 0).mean())


def _infer_mode(service: str | None) -> str:
    s = (service or "").casefold()
    if any(w in s for w in ("express", "priority", "courier")):
        return "express"
    if any(w in s for w in ("freight", "sea", "ocean", "fcl", "lcl")):
        return "ocean"
    return "postal"


class LogisticsAssessor(BaseAssessor):
    name: ClassVar[str] = "logistics"
    version: ClassVar[str] = "1.0"
    finding_codes: ClassVar[Mapping[str, str]] = {
        "logistics.delay.late_risk": "probability the parcel arrives after the promised date",
        "logistics.route.unknown": "no route or corridor data for this origin and destination",
        "logistics.corridor.closed": "the corridor is closed by a disruption scenario",
        "logistics.corridor.disrupted": "the corridor is disrupted (dated disruption or scenario)",
        "logistics.data.stale": "an LPI edition or the disruption list used is older than its "
        "freshness limit",
    }
    defaults: ClassVar[Mapping[str, Any]] = {
        "scenarios": [],  # shipped scenario ids or YAML paths considered active
        "network": None,  # route table YAML; None = the shipped network.yaml
        "late_threshold": 0.3,  # suggest a faster service at or above this probability
        "scenario_draws": 200,  # Monte Carlo draws per order and scenario
        "model": None,  # late-delivery model file from `logistics train`; None = route tables
        "disruptions": True,  # corridor status from the dated disruption list; False: always open
    }
    signals: ClassVar[Mapping[str, str]] = {
        "logistics.late_probability": "probability (0-1) the order arrives after its promise",
        "logistics.expected_delay_days": "expected days late, E[max(0, transit - promise)]",
        "logistics.corridor_status": "open, delayed, congested, diverted or closed",
    }

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        t = self.config["late_threshold"]
        if not isinstance(t, (int, float)) or not 0 < t <= 1:
            raise InvalidInput(
                "must be a number in (0, 1]", where="assessors.logistics.late_threshold"
            )
        if not isinstance(self.config["disruptions"], bool):
            raise InvalidInput("true or false", where="assessors.logistics.disruptions")
        if not isinstance(self.config["scenarios"], list):
            raise InvalidInput(
                "a list of scenario ids or paths", where="assessors.logistics.scenarios"
            )
        # Resolve now so a bad scenario, network or model fails at start-up, not on an order.
        _ = self.network, self.scenarios, self.model

    @cached_property
    def network(self) -> Network:
        path = self.config["network"]
        return default_network() if path is None else load_network(path)

    @cached_property
    def scenarios(self) -> list[Scenario]:
        out = []
        for i, ref in enumerate(self.config["scenarios"]):
            try:
                out.append(resolve_scenario(str(ref)))
            except InvalidInput as exc:
                raise InvalidInput(
                    exc.message, where=f"assessors.logistics.scenarios[{i}]"
                ) from None
        return out

    @cached_property
    def model(self) -> SavedModel | None:
        path = self.config["model"]
        if path is None:
            return None
        try:
            return load_model(path)
        except InvalidInput as exc:
            raise InvalidInput(
                f"{exc.where}: {exc.message}", where="assessors.logistics.model"
            ) from None

    def model_probability(self, order: Order) -> float | None:
        """The trained model's late probability, when a model is set and the order has a promise."""
        sh = order.shipment
        if self.model is None or sh.promised_delivery is None:
            return None
        created = order.created_at.date()
        value = sh.declared_value if sh.declared_value is not None else order.total
        frame = pd.DataFrame.from_records(
            [
                {
                    "id": order.id,
                    "scheduled": pd.Timestamp(sh.promised_delivery),
                    "origin": sh.origin_country,
                    "destination": sh.destination_country,
                    "mode": sh.mode.value if sh.mode is not None else _infer_mode(sh.service),
                    "carrier": f"{sh.carrier or ''} {sh.service or ''}".strip() or None,
                    "incoterm": sh.incoterm.value,
                    "weight_kg": float(sh.weight_kg) if sh.weight_kg is not None else np.nan,
                    "value_usd": float(value),
                    "quantity": float(sum(i.quantity for i in order.items)),
                    "lead_days": float((sh.promised_delivery - created).days),
                    "year": sh.promised_delivery.year,
                }
            ]
        )
        history = History(frame=frame, source=f"order {order.id}", format="order")
        return float(self.model.predict(history)[0])

    # Pickle (Spark, worker processes) carries the config only; caches rebuild on the other side.
    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.config = state["config"]

    def estimate(self, order: Order) -> dict[str, Any] | None:
        """The numbers behind the findings, or None when no route serves the corridor."""
        sh = order.shipment
        mode = sh.mode.value if sh.mode is not None else _infer_mode(sh.service)
        route = self.network.find_route(sh.origin_country, sh.destination_country, mode)
        if route is None:
            return None
        day = order.created_at.date()
        score = lpi(sh.destination_country, day.year)
        customs_days = max(0.0, _LPI_GOOD - score.customs) if score is not None else 0.0
        corridor = self.corridor(route, day)
        mean = corridor["transit_days"] + customs_days
        if sh.promised_delivery is not None:
            given: float | None = float((sh.promised_delivery - order.created_at.date()).days)
            promise_source = "shipment.promised_delivery"
        else:
            given = None
            promise_source = "assumed: route 90th percentile"
        promised, late_probability, expected_delay = _lateness(mean, route.sd_share, given)
        return {
            "mode": mode,
            "route": route,
            "transit_days": round(mean, 2),
            "customs_days_from_lpi": round(customs_days, 2),
            "lpi": None if score is None else _lpi_evidence(score),
            "corridor": corridor,
            "stale": self.stale_data(day, score),
            "promised_days": promised,
            "promise_source": promise_source,
            "late_probability": late_probability,
            "expected_delay_days": expected_delay,
        }

    def corridor(self, route: Route, day: date) -> dict[str, Any]:
        """The corridor's status on ``day`` from the dated disruption list, the route the
        shipment then takes and its transit days, and the disruptions with their sources."""
        out: dict[str, Any] = {
            "status": "open",
            "route_taken": route.id,
            "transit_days": route.transit_days,
            "disruptions": [],
        }
        if not self.config["disruptions"]:
            out["data"] = None
            return out
        current = dis.current_disruptions()
        out["data"] = datasets.dataset(dis.DATASET).evidence()
        rank = {"open": 0, "delayed": 1, "diverted": 3, "closed": 4}
        for d in current.on(day, route.nodes()):
            status: str = d.status
            if status == "diverted":
                if route.alternative is None:
                    status = "closed"  # nowhere to divert to: the shipment waits
                else:
                    alt = self.network.route(route.alternative)
                    out["route_taken"] = alt.id
                    out["transit_days"] = max(out["transit_days"], alt.transit_days)
            elif status == "delayed" and d.added_days is not None:
                out["transit_days"] += d.added_days
            out["disruptions"].append({**d.evidence(), "status_here": status})
            if rank[status] > rank[out["status"]]:
                out["status"] = status
        return out

    def stale_data(self, day: date, score: LPIScore | None) -> list[str]:
        """Why the dated data behind this estimate is too old for an order of ``day``."""
        used = []
        if score is not None and score.year > HISTORIC_LAST:
            used.append(datasets.dataset(LPI_DATASET))
        if self.config["disruptions"]:
            used.append(datasets.dataset(dis.DATASET))
        return [
            why
            for ds in used
            if (why := datasets.staleness(ds.title, ds.published, day, ds.max_age_days))
        ]

    def scenario_hits(
        self, orders: Sequence[Order], ests: Sequence[dict[str, Any] | None]
    ) -> list[list[dict[str, Any]]]:
        """For each order, the active scenarios that reach its corridor (one vectorised
        simulation per scenario over all routed orders)."""
        out: list[list[dict[str, Any]]] = [[] for _ in orders]
        routed = [i for i, e in enumerate(ests) if e is not None]
        known = [e for e in ests if e is not None]
        if not routed or not self.scenarios:
            return out
        draws = int(self.config["scenario_draws"])
        ships = [orders[i].shipment for i in routed]
        for sc in self.scenarios:
            flow = OrderFlow(
                ids=[orders[i].id for i in routed],
                ship_day=np.array(
                    [
                        float((orders[i].created_at.date() - sc.simulation.start).days)
                        for i in routed
                    ]
                ),
                origin=[sh.origin_country for sh in ships],
                destination=[sh.destination_country for sh in ships],
                mode=[e["mode"] for e in known],
                carrier=[(sh.carrier or "").casefold() for sh in ships],
                value=np.array([float(orders[i].total) for i in routed]),
                weight=np.array([float(sh.weight_kg or 1) for sh in ships]),
                promised=np.array([e["promised_days"] for e in known]),
                cover=np.full(len(routed), np.nan),
                daily_sales=np.zeros(len(routed)),
                route=[e["route"].id for e in known],
            )
            # Seed fixed: the same order always gets the same answer.
            run = sc.model_copy(
                update={"simulation": sc.simulation.model_copy(update={"draws": draws, "seed": 0})}
            )
            po = simulate(run, flow, self.network, order_streams=True).per_order
            for k, i in enumerate(routed):
                if po["hit"][k] <= 0:
                    continue
                if po["waited"][k] > po["rerouted"][k]:
                    status = "closed"
                elif po["rerouted"][k] > 0:
                    status = "diverted"
                elif po["queued"][k] > 0:
                    status = "congested"
                else:
                    status = "delayed"
                out[i].append(
                    {
                        "scenario": sc.id,
                        "name": sc.name,
                        "status": status,
                        "hit_probability": round(float(po["hit"][k]), 4),
                        "extra_days_if_hit": round(float(po["extra_if_hit"][k]), 3),
                        "late_probability": round(float(po["late"][k]), 4),
                    }
                )
        return out

    def _late_finding(
        self,
        p: float,
        delay: float,
        evidence: dict[str, Any],
        promised: float | None,
        status: str,
        route_id: str,
    ) -> Finding:
        threshold = float(self.config["late_threshold"])
        if p < 0.15:
            severity = Severity.INFO
        elif p < threshold:
            severity = Severity.LOW
        else:
            severity = Severity.MEDIUM if p < 0.6 else Severity.HIGH
        actions = []
        faster = _UPGRADE.get(evidence["mode"])
        if p >= threshold and faster is not None and status != "closed":
            actions.append("suggest_service_upgrade")
            evidence["suggested_mode"] = faster
        promise = f"the promised {promised:.0f} days" if promised is not None else "the promise"
        return self.finding(
            "logistics.delay.late_risk",
            f"{p:.0%} chance of arriving after {promise} by {evidence['mode']} on {route_id} "
            f"(expected {delay:.1f} days late)",
            severity=severity,
            score=round(min(40.0, 40.0 * p), 2),
            evidence=evidence,
            actions=actions,
            signals={
                "logistics.late_probability": round(p, 4),
                "logistics.expected_delay_days": round(delay, 2),
                "logistics.corridor_status": status,
            },
        )

    def assess(self, order: Order, ctx: AssessContext) -> list[Finding]:
        return self.assess_many([order], ctx)[0]

    def assess_many(self, orders: Sequence[Order], ctx: AssessContext) -> list[list[Finding]]:
        ests = [self.estimate(o) for o in orders]
        hits = self.scenario_hits(orders, ests)
        return [self._findings(o, e, h) for o, e, h in zip(orders, ests, hits, strict=True)]

    def _findings(
        self, order: Order, est: dict[str, Any] | None, hits: list[dict[str, Any]]
    ) -> list[Finding]:
        sh = order.shipment
        if est is None:
            unknown = self.finding(
                "logistics.route.unknown",
                f"no route from {sh.origin_country} to {sh.destination_country} in the network "
                f"table (version {self.network.version}); no corridor status or scenarios",
                evidence={
                    "origin": sh.origin_country,
                    "destination": sh.destination_country,
                    "mode": sh.mode.value if sh.mode else None,
                },
                signals={"logistics.corridor_status": "unknown"},
            )
            p_only = self.model_probability(order)
            if p_only is None or self.model is None:
                return [unknown]
            # The trained model needs no route table: it still scores the order.
            return [
                unknown,
                self._late_finding(
                    p_only,
                    p_only * self.model.mean_delay_if_late,
                    {
                        "mode": sh.mode.value if sh.mode else _infer_mode(sh.service),
                        "probability_from": f"model {self.model.version} trained on "
                        f"{self.model.trained_on}",
                    },
                    float((sh.promised_delivery - order.created_at.date()).days)
                    if sh.promised_delivery is not None
                    else None,
                    "unknown",
                    "no route",
                ),
            ]
        route: Route = est["route"]
        p, delay = est["late_probability"], est["expected_delay_days"]
        p_model = self.model_probability(order)
        if p_model is not None and self.model is not None:
            # The model learnt from real outcomes outranks the route table's spread; its
            # expected delay is p times the mean lateness of late shipments in training.
            p, delay = p_model, p_model * self.model.mean_delay_if_late
        corridor = est["corridor"]
        status = corridor["status"]
        rank = {"open": 0, "delayed": 1, "congested": 2, "diverted": 3, "closed": 4}
        for h in hits:
            # A scenario raises the late probability to its own estimate when that is higher.
            p = max(p, h["late_probability"])
            delay += h["hit_probability"] * h["extra_days_if_hit"]
            if rank[h["status"]] > rank[status]:
                status = h["status"]
        evidence = {
            "route": route.id,
            "mode": est["mode"],
            "transit_days": est["transit_days"],
            "customs_days_from_lpi": est["customs_days_from_lpi"],
            "lpi": est["lpi"],
            "corridor": {k: corridor[k] for k in ("status", "route_taken", "data")},
            "promised_days": est["promised_days"],
            "promise_source": est["promise_source"],
            "probability_from": "route table and LPI"
            if p_model is None or self.model is None
            else f"model {self.model.version} trained on {self.model.trained_on}",
        }
        taken = corridor["route_taken"]
        on = route.id if taken == route.id else f"{taken} (diverted from {route.id})"
        findings: list[Finding] = [
            self._late_finding(p, delay, evidence, est["promised_days"], status, on)
        ]
        data = corridor["data"] or {}
        for d in corridor["disruptions"]:
            closed = d["status_here"] == "closed"
            newest = d["sources"][-1]
            how = (
                f"diverted to {corridor['route_taken']}"
                if d["status_here"] == "diverted"
                else d["status_here"]
            )
            findings.append(
                self.finding(
                    "logistics.corridor.closed" if closed else "logistics.corridor.disrupted",
                    f"{d['name']}: corridor {how} since {d['start']} "
                    f"(per {newest['source']}, {newest['date']}; disruption list of "
                    f"{data.get('published')})",
                    severity=Severity.HIGH if closed else Severity.MEDIUM,
                    score=50.0 if closed else 20.0,
                    evidence={**d, "route": route.id, "route_taken": corridor["route_taken"],
                              "data": data},
                    actions=["hold_shipment"] if closed else [],
                    source=f"{self.name}@{self.version}:{dis.DATASET}@{data.get('published')}",
                )
            )  # fmt: skip
        if est["stale"]:
            findings.append(
                self.finding(
                    "logistics.data.stale",
                    f"logistics estimate rests on old data: {est['stale'][0]}"
                    + (f" (+{len(est['stale']) - 1} more)" if len(est["stale"]) > 1 else ""),
                    severity=Severity.LOW,
                    evidence={"stale": est["stale"], "lpi": est["lpi"], "corridor": data},
                )
            )
        for h in hits:
            closed = h["status"] == "closed"
            findings.append(
                self.finding(
                    "logistics.corridor.closed" if closed else "logistics.corridor.disrupted",
                    f"{h['name']}: corridor {h['status']} for this shipment "
                    f"({h['hit_probability']:.0%} chance, "
                    f"+{h['extra_days_if_hit']:.1f} days if hit)",
                    severity=Severity.HIGH if closed else Severity.MEDIUM,
                    score=50.0 if closed else 20.0,
                    evidence=h,
                    actions=["hold_shipment"] if closed else [],
                    source=f"{self.name}@{self.version}:scenario:{h['scenario']}",
                )
            )
        return findings


def _lpi_evidence(score: LPIScore) -> dict[str, Any]:
    """An LPI value with the edition, source and dates it comes from."""
    out: dict[str, Any] = {
        "year": score.year,
        "customs": score.customs,
        "timeliness": score.timeliness,
    }
    if score.year > HISTORIC_LAST:
        out.update(datasets.dataset(LPI_DATASET).evidence())
    else:
        out.update(
            {
                "dataset": LPI_FILE,
                "source": "World Bank Logistics Performance Index 2010-2016 (World Bank)",
                "published": f"{score.year}",
            }
        )
    return out


def delay_findings(
    payload: Mapping[str, Any], scenarios: Sequence[str]
) -> tuple[Order, list[Finding]]:
    """The order and its delay-risk findings under the named scenarios; nothing is stored.

    Raises ``InvalidInput`` naming the field (``order.shipment.destination_country``) when the
    payload is not a valid order.
    """
    try:
        order = Order.model_validate(payload)
    except ValidationError as exc:
        raise from_validation(exc, "order") from None
    findings = LogisticsAssessor({"scenarios": list(scenarios)}).assess(order, AssessContext())
    return order, findings


__all__ = ["LogisticsAssessor", "delay_findings"]
