"""Personal data and cross-border transfers.

Detection is separate from acting on it; the transfer rules engine answers whether a flow may
happen and on what terms. Public API (NER, recognisers, files, storage and reports are exported
lazily; the rest is internal):

- Detection: ``Analyzer``, ``default_analyzer``, ``detect``, ``Entity``, ``ENTITY_TYPES``;
  recognisers ``load_recognizers``, ``read_gazetteer``; the NER model ``NerModel``,
  ``MODEL_PACKAGE``, ``shipped_model_path``, trained with ``train`` on ``TrainText`` (the
  labels ``--fewer-labels`` keeps, ``KEEP_LABELS``; those ``--unsure-orgs`` leaves open,
  ``UNSURE_LABELS``);
  validators ``check_luhn``, ``check_iban``, ``check_hkid``, ``check_sg_nric``,
  ``mrz_check_digit``, ``mrz_td3_line2``, ``resolve_validator``.
- Acting on it: ``anonymise``, ``anonymise_value``, ``decrypt_text``, ``Keyring``,
  ``METHODS``, ``KEYED``; files ``process``, ``redact_file``, ``redact_record``; the log
  filter ``install``.
- Transfers: ``assess_transfer``, ``load_regimes``, ``TransferRequest``,
  ``TransferAssessment``, ``categories_overlap``; reports ``render_html``, ``render_pdf``.
- The data-flow register: ``record_transfer``, ``get_transfer``, ``list_transfers``,
  ``export_register``, ``row_summary``, ``TransferRow``; volume counting ``DbVolumes``,
  ``TransferHistory`` over ``PriorTransfer`` records (``prior_transfer`` from a row); the
  ledger ``LEDGER_KIND``, ``ledger_record``, ``resolve_ledger_record``.
"""

from typing import TYPE_CHECKING

from borderline.lazy import lazy_exports
from borderline.privacy.analyzer import Analyzer, default_analyzer, detect
from borderline.privacy.anonymise import (
    KEYED,
    METHODS,
    Keyring,
    anonymise,
    anonymise_value,
    decrypt_text,
)
from borderline.privacy.entities import ENTITY_TYPES, Entity
from borderline.privacy.transfer.engine import assess_transfer, load_regimes
from borderline.privacy.transfer.model import TransferAssessment, TransferRequest
from borderline.privacy.transfer.regimes import PriorTransfer, TransferHistory
from borderline.privacy.transfer.taxonomy import overlaps as categories_overlap
from borderline.privacy.validators import hkid as check_hkid
from borderline.privacy.validators import iban as check_iban
from borderline.privacy.validators import luhn as check_luhn
from borderline.privacy.validators import mrz_check_digit, mrz_td3_line2
from borderline.privacy.validators import resolve as resolve_validator
from borderline.privacy.validators import sg_nric as check_sg_nric

if TYPE_CHECKING:
    from borderline.privacy.files import process, redact_file, redact_record
    from borderline.privacy.gazetteer import read_gazetteer
    from borderline.privacy.logfilter import install
    from borderline.privacy.ner import MODEL_PACKAGE, NerModel, shipped_model_path
    from borderline.privacy.ner_train import KEEP_LABELS, UNSURE_LABELS, TrainText, train
    from borderline.privacy.recognizers import load_recognizers
    from borderline.privacy.store import (
        LEDGER_KIND,
        DbVolumes,
        TransferRow,
        export_register,
        get_transfer,
        ledger_record,
        list_transfers,
        prior_transfer,
        record_transfer,
        resolve_ledger_record,
        row_summary,
    )
    from borderline.privacy.transfer.report import render_html, render_pdf

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".files": ("process", "redact_file", "redact_record"),
        ".gazetteer": ("read_gazetteer",),
        ".logfilter": ("install",),
        ".ner": ("MODEL_PACKAGE", "NerModel", "shipped_model_path"),
        ".ner_train": ("KEEP_LABELS", "UNSURE_LABELS", "TrainText", "train"),
        ".recognizers": ("load_recognizers",),
        ".store": (
            "LEDGER_KIND",
            "DbVolumes",
            "TransferRow",
            "export_register",
            "get_transfer",
            "ledger_record",
            "list_transfers",
            "prior_transfer",
            "record_transfer",
            "resolve_ledger_record",
            "row_summary",
        ),
        ".transfer.report": ("render_html", "render_pdf"),
    },
)


__all__ = [
    "ENTITY_TYPES",
    "KEEP_LABELS",
    "KEYED",
    "LEDGER_KIND",
    "METHODS",
    "MODEL_PACKAGE",
    "UNSURE_LABELS",
    "Analyzer",
    "DbVolumes",
    "Entity",
    "Keyring",
    "NerModel",
    "PriorTransfer",
    "TrainText",
    "TransferAssessment",
    "TransferHistory",
    "TransferRequest",
    "TransferRow",
    "anonymise",
    "anonymise_value",
    "assess_transfer",
    "categories_overlap",
    "check_hkid",
    "check_iban",
    "check_luhn",
    "check_sg_nric",
    "decrypt_text",
    "default_analyzer",
    "detect",
    "export_register",
    "get_transfer",
    "install",
    "ledger_record",
    "list_transfers",
    "load_recognizers",
    "load_regimes",
    "mrz_check_digit",
    "mrz_td3_line2",
    "prior_transfer",
    "process",
    "read_gazetteer",
    "record_transfer",
    "redact_file",
    "redact_record",
    "render_html",
    "render_pdf",
    "resolve_ledger_record",
    "resolve_validator",
    "row_summary",
    "shipped_model_path",
    "train",
]
