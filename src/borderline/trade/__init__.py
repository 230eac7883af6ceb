"""Trade compliance: HS classification, landed cost, restricted goods, embargoes, customs risk.

Public API (the rest is internal):

- ``nomenclature()`` / ``Nomenclature.check(code)`` (``CodeCheck``): HS 2022 and
  declared-code validation; ``data_path`` for the shipped tables.
- ``HSClassifier`` / ``Listing`` / ``default_classifier()`` (``Classification``,
  ``Calibration``): classify a listing, or abstain. Its backends: ``configure``
  (``HSBackendConfig``), ``configured_classifier``, ``embedding_backend``
  (``EmbeddingBackend``), ``LLMReranker``, ``LearnedHSClassifier`` /
  ``learned_classifier`` / ``train``; evaluation ``evaluate``, ``load_eval``,
  ``held_out_examples``, ``VAGUE``.
- ``LandedCostRequest`` / ``landed_cost`` / ``TariffSchedule`` (``LandedCost``): duty,
  import tax, fees; ``rules`` (import tax rules); the data sets ``US_HTS_DATASET``
  (``convert_usitc_hts``), ``US_DUTIES_DATASET`` (``convert_compilation``), ``FX_DATASET``
  (``ecb_rates``, ``read_ecb_file``, ``write_ecb_history``, ``EcbRates``, ``FxTable``).
- ``check_item`` / ``check_destination`` (``Restriction``): dangerous goods, dual-use hints,
  embargoes, regions.
- ``DeclarationModel`` / ``evaluate_files``: customs-declaration fraud model.
- ``TradeAssessor``: the engine assessor (entry point ``trade``).
"""

from typing import TYPE_CHECKING

from borderline.lazy import lazy_exports
from borderline.trade.classify import (
    Calibration,
    Classification,
    HSClassifier,
    Listing,
    default_classifier,
)
from borderline.trade.hs import CodeCheck, Nomenclature, data_path, nomenclature
from borderline.trade.landed import LandedCost, LandedCostRequest, TariffSchedule, landed_cost
from borderline.trade.restricted import Restriction, check_destination, check_item

if TYPE_CHECKING:
    from borderline.trade.assessor import TradeAssessor
    from borderline.trade.declarations import DeclarationModel, evaluate_files
    from borderline.trade.embed import EmbeddingBackend
    from borderline.trade.evaluation import evaluate, load_eval
    from borderline.trade.fx import (
        FX_DATASET,
        EcbRates,
        FxTable,
        ecb_rates,
        read_ecb_file,
        write_ecb_history,
    )
    from borderline.trade.hs_backend import (
        HSBackendConfig,
        configure,
        configured_classifier,
        embedding_backend,
    )
    from borderline.trade.hs_sources import VAGUE, held_out_examples
    from borderline.trade.learned import LearnedHSClassifier, learned_classifier, train
    from borderline.trade.llm import LLMReranker
    from borderline.trade.tariff import US_HTS_DATASET, convert_usitc_hts
    from borderline.trade.taxes import rules
    from borderline.trade.us_duties import US_DUTIES_DATASET, convert_compilation

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".assessor": ("TradeAssessor",),
        ".declarations": ("DeclarationModel", "evaluate_files"),
        ".embed": ("EmbeddingBackend",),
        ".evaluation": ("evaluate", "load_eval"),
        ".fx": (
            "FX_DATASET",
            "EcbRates",
            "FxTable",
            "ecb_rates",
            "read_ecb_file",
            "write_ecb_history",
        ),
        ".hs_backend": (
            "HSBackendConfig",
            "configure",
            "configured_classifier",
            "embedding_backend",
        ),
        ".hs_sources": ("VAGUE", "held_out_examples"),
        ".learned": ("LearnedHSClassifier", "learned_classifier", "train"),
        ".llm": ("LLMReranker",),
        ".tariff": ("US_HTS_DATASET", "convert_usitc_hts"),
        ".taxes": ("rules",),
        ".us_duties": ("US_DUTIES_DATASET", "convert_compilation"),
    },
)


__all__ = [
    "FX_DATASET",
    "US_DUTIES_DATASET",
    "US_HTS_DATASET",
    "VAGUE",
    "Calibration",
    "Classification",
    "CodeCheck",
    "DeclarationModel",
    "EcbRates",
    "EmbeddingBackend",
    "FxTable",
    "HSBackendConfig",
    "HSClassifier",
    "LLMReranker",
    "LandedCost",
    "LandedCostRequest",
    "LearnedHSClassifier",
    "Listing",
    "Nomenclature",
    "Restriction",
    "TariffSchedule",
    "TradeAssessor",
    "check_destination",
    "check_item",
    "configure",
    "configured_classifier",
    "convert_compilation",
    "convert_usitc_hts",
    "data_path",
    "default_classifier",
    "ecb_rates",
    "embedding_backend",
    "evaluate",
    "evaluate_files",
    "held_out_examples",
    "landed_cost",
    "learned_classifier",
    "load_eval",
    "nomenclature",
    "read_ecb_file",
    "rules",
    "train",
    "write_ecb_history",
]
