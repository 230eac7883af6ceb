"""Logistics and supply-chain risk: late-delivery prediction, disruption scenarios, fulfilment.

Public API:

- ``load_history(path, "scms" | "shipments")`` -> ``History``; ``train``, ``evaluate``,
  ``split_by_year``, ``metrics`` for the late-delivery model (LightGBM + logistic baseline).
- ``load_scenario``, ``resolve_scenario``, ``builtin_scenarios``, ``simulate``, ``read_orders``
  for the disruption Monte Carlo; ``default_network`` / ``load_network`` for the route table.
- ``lpi(country, year)``: World Bank LPI scores, point in time.

The engine assessor lives in ``borderline.logistics.assessor`` (imported lazily so this package
stays importable without the engine).
"""

from borderline.logistics.flow import OrderFlow, read_orders
from borderline.logistics.history import History, load_history, load_scms, load_shipments
from borderline.logistics.lpi import LPIScore, lpi
from borderline.logistics.model import (
    Evaluation,
    LateModel,
    evaluate,
    metrics,
    split_by_year,
    train,
)
from borderline.logistics.network import Network, Route, default_network, load_network
from borderline.logistics.scenario import (
    Scenario,
    builtin_scenarios,
    load_scenario,
    parse_scenario,
    resolve_scenario,
)
from borderline.logistics.simulate import SimulationResult, simulate

__all__ = [
    "Evaluation",
    "History",
    "LPIScore",
    "LateModel",
    "Network",
    "OrderFlow",
    "Route",
    "Scenario",
    "SimulationResult",
    "builtin_scenarios",
    "default_network",
    "evaluate",
    "load_history",
    "load_network",
    "load_scenario",
    "load_scms",
    "load_shipments",
    "lpi",
    "metrics",
    "parse_scenario",
    "read_orders",
    "resolve_scenario",
    "simulate",
    "split_by_year",
    "train",
]
