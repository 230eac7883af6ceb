"""Personal data and cross-border transfers.

Detection (``Analyzer``, ``detect``) is separate from acting on it (``anonymise``); the
transfer rules engine (``assess_transfer``) answers whether a flow may happen and on what
terms. Storage (``privacy.store``) and the engine assessor (``privacy.assessor``) are imported
by adapters only.
"""

from borderline.privacy.analyzer import Analyzer, default_analyzer, detect
from borderline.privacy.anonymise import METHODS, Keyring, anonymise, anonymise_value
from borderline.privacy.entities import ENTITY_TYPES, Entity
from borderline.privacy.transfer.engine import assess_transfer, load_regimes
from borderline.privacy.transfer.model import TransferAssessment, TransferRequest

__all__ = [
    "ENTITY_TYPES",
    "METHODS",
    "Analyzer",
    "Entity",
    "Keyring",
    "TransferAssessment",
    "TransferRequest",
    "anonymise",
    "anonymise_value",
    "assess_transfer",
    "default_analyzer",
    "detect",
    "load_regimes",
]
