"""The corridor assessor: exposes the origin → destination risk of an order to policies.

It always emits one info finding carrying the signals ``corridor.risk`` (0-100),
``corridor.origin_risk``, ``corridor.destination_risk`` and ``corridor.route_risk``, so a
policy can say ``review if corridor.risk > 70``; at or above the ``high`` threshold it adds a
scored finding ``assessment.corridor.high``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

from borderline.assessment.countries import CorridorModel, load_config
from borderline.assessment.indicators import load_catalog
from borderline.engine.assessor import AssessContext, BaseAssessor
from borderline.errors import InvalidInput
from borderline.model import Finding, Order, Severity


class CorridorAssessor(BaseAssessor):
    name: ClassVar[str] = "corridor"
    version: ClassVar[str] = "1.0"
    finding_codes: ClassVar[Mapping[str, str]] = {
        "assessment.corridor.risk": "country/corridor risk score of the route",
        "assessment.corridor.high": "the route's corridor risk is above the configured threshold",
        "assessment.data.stale": "an indicator behind the corridor risk is older than its "
        "freshness limit",
    }
    defaults: ClassVar[Mapping[str, Any]] = {
        "high": None,  # threshold for assessment.corridor.high; None = the index config's
        "high_score": 25.0,  # risk contribution of a high-risk corridor finding
        "as_of": None,  # ISO date of the country index; None = today
        "index_config": None,  # path of a country_index.yaml; None = the shipped one
        "data_dirs": [],  # extra indicator directories (newer releases, licensed indices)
    }
    signals: ClassVar[Mapping[str, str]] = {
        "corridor.risk": "risk of the order's origin → destination corridor, 0-100",
        "corridor.origin_risk": "country risk index of the shipment origin, 0-100",
        "corridor.destination_risk": "country risk index of the shipment destination, 0-100",
        "corridor.route_risk": "logistics risk of the weaker end of the route, 0-100",
    }

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        as_of = self.config["as_of"]
        try:
            day = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
        except ValueError:
            raise InvalidInput(
                f"as_of {as_of!r} is not an ISO date", where="assessors.corridor.as_of"
            ) from None
        self._index_config = load_config(self.config["index_config"])
        self._as_of = day
        self._model: CorridorModel | None = None
        high = self.config["high"]
        self.high = float(high) if high is not None else self._index_config.corridor.high

    @property
    def model(self) -> CorridorModel:
        """The country index, built at the first order rather than at start-up: reading the
        indicator files (the CPI workbook among them) takes about a second. Two threads that
        race here build the same model twice, which is harmless; no lock keeps it picklable."""
        model = self._model
        if model is None:
            catalog = load_catalog(self.config["data_dirs"])
            model = CorridorModel.build(catalog, self._index_config, as_of=self._as_of)
            self._model = model
        return model

    def assess(self, order: Order, ctx: AssessContext) -> list[Finding]:
        ship = order.shipment
        cor = self.model.corridor(ship.origin_country, ship.destination_country)
        evidence = {
            **cor.to_dict(),
            "index": self.model.index_version,
            "as_of": self.model.as_of.isoformat(),
            # each indicator the score rests on, with its publisher and the year of its data
            "data": {k: dict(v) for k, v in self.model.data.items()},
        }
        signals: dict[str, float | int | str | bool | None] = {
            "corridor.risk": round(cor.risk, 2),
            "corridor.origin_risk": round(cor.origin_risk, 2),
            "corridor.destination_risk": round(cor.destination_risk, 2),
            "corridor.route_risk": round(cor.route_risk, 2),
        }
        out = [
            self.finding(
                "assessment.corridor.risk",
                f"corridor {cor.origin} → {cor.destination} risk {cor.risk:.1f}/100",
                severity=Severity.INFO,
                evidence=evidence,
                signals=signals,
            )
        ]
        if cor.risk >= self.high:
            out.append(
                self.finding(
                    "assessment.corridor.high",
                    f"high-risk corridor {cor.origin} → {cor.destination}: {cor.risk:.1f} ≥ "
                    f"{self.high:g} (origin {cor.origin_risk:.0f}, destination "
                    f"{cor.destination_risk:.0f}, route {cor.route_risk:.0f})",
                    severity=Severity.MEDIUM,
                    score=float(self.config["high_score"]),
                    evidence=evidence,
                    actions=["manual_review"],
                )
            )
        stale = self.model.stale(order.created_at.date())
        if stale:
            out.append(
                self.finding(
                    "assessment.data.stale",
                    f"corridor risk rests on old data: {stale[0]}"
                    + (f" (+{len(stale) - 1} more)" if len(stale) > 1 else ""),
                    severity=Severity.LOW,
                    # The stale indicators' own dates; the full list of sources is in the
                    # corridor risk finding beside this one (every decision carried it twice).
                    evidence={
                        "stale": stale,
                        "data": {
                            k: v
                            for k, v in evidence["data"].items()
                            if any(line.startswith(f"{k} (") for line in stale)
                        },
                    },
                )
            )
        return out
