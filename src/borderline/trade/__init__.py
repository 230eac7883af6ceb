"""Trade compliance: HS classification, landed cost, restricted goods, embargoes, customs risk.

Public API (the rest is internal):

- ``nomenclature()`` / ``Nomenclature.check(code)``: HS 2022 and declared-code validation.
- ``HSClassifier`` / ``Listing`` / ``default_classifier()``: classify a listing, or abstain.
- ``LandedCostRequest`` / ``landed_cost`` / ``TariffSchedule``: duty, import tax, fees.
- ``check_item`` / ``check_destination``: dangerous goods, dual-use hints, embargoes, regions.
- ``DeclarationModel`` / ``evaluate_files``: customs-declaration fraud model.
- ``TradeAssessor``: the engine assessor (entry point ``trade``).
"""

from borderline.trade.classify import Classification, HSClassifier, Listing, default_classifier
from borderline.trade.hs import CodeCheck, Nomenclature, nomenclature
from borderline.trade.landed import LandedCost, LandedCostRequest, TariffSchedule, landed_cost
from borderline.trade.restricted import Restriction, check_destination, check_item

__all__ = [
    "Classification",
    "CodeCheck",
    "HSClassifier",
    "LandedCost",
    "LandedCostRequest",
    "Listing",
    "Nomenclature",
    "Restriction",
    "TariffSchedule",
    "check_destination",
    "check_item",
    "default_classifier",
    "landed_cost",
    "nomenclature",
]
