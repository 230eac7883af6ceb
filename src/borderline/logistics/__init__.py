"""Logistics and supply-chain risk: late-delivery prediction, disruption scenarios, fulfilment.

Public API (the rest is internal):

- ``load_history(path, "scms" | "shipments")`` -> ``History`` (``load_scms``,
  ``load_shipments``); ``train``, ``evaluate``, ``split_by_year``, ``metrics`` for the
  late-delivery model (LightGBM + logistic baseline): ``LateModel``, ``Evaluation``,
  ``save_model``, ``MODEL_VERSION``.
- ``load_scenario``, ``resolve_scenario``, ``parse_scenario``, ``builtin_scenarios``
  (``Scenario``), ``simulate`` (``SimulationResult``), ``read_orders``, ``OrderFlow``,
  ``flow_from_records`` for the disruption Monte Carlo; ``default_network`` /
  ``load_network`` (``Network``, ``Route``) for the route table; ``compare`` /
  ``load_compare_config`` for scenario comparisons; ``plot_simulation``,
  ``plot_comparison``, ``check_plot_path``.
- ``lpi(country, year)`` (``LPIScore``, ``write_editions``): World Bank LPI scores, point
  in time; ``read_disruptions`` and its data set ``DATASET``.
- ``LogisticsAssessor`` (entry point ``logistics``) and ``delay_findings``; exported lazily
  so this package stays importable without the engine.
"""

from typing import TYPE_CHECKING

from borderline.lazy import lazy_exports

# compare is also a submodule's name, so it is imported eagerly (see borderline.lazy).
from borderline.logistics.compare import compare, load_compare_config
from borderline.logistics.flow import OrderFlow, flow_from_records, read_orders
from borderline.logistics.history import History, load_history, load_scms, load_shipments
from borderline.logistics.lpi import LPIScore, lpi, write_editions
from borderline.logistics.model import (
    MODEL_VERSION,
    Evaluation,
    LateModel,
    evaluate,
    metrics,
    save_model,
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

if TYPE_CHECKING:
    from borderline.logistics.assessor import LogisticsAssessor, delay_findings
    from borderline.logistics.disruptions import DATASET, read_disruptions
    from borderline.logistics.plots import check_plot_path, plot_comparison, plot_simulation

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".assessor": ("LogisticsAssessor", "delay_findings"),
        ".disruptions": ("DATASET", "read_disruptions"),
        ".plots": ("check_plot_path", "plot_comparison", "plot_simulation"),
    },
)


__all__ = [
    "DATASET",
    "MODEL_VERSION",
    "Evaluation",
    "History",
    "LPIScore",
    "LateModel",
    "LogisticsAssessor",
    "Network",
    "OrderFlow",
    "Route",
    "Scenario",
    "SimulationResult",
    "builtin_scenarios",
    "check_plot_path",
    "compare",
    "default_network",
    "delay_findings",
    "evaluate",
    "flow_from_records",
    "load_compare_config",
    "load_history",
    "load_network",
    "load_scenario",
    "load_scms",
    "load_shipments",
    "lpi",
    "metrics",
    "parse_scenario",
    "plot_comparison",
    "plot_simulation",
    "read_disruptions",
    "read_orders",
    "resolve_scenario",
    "save_model",
    "simulate",
    "split_by_year",
    "train",
    "write_editions",
]
