"""Tamper-evident audit ledger: RFC 9162 Merkle log, C2SP signed checkpoints, proofs."""

from borderline.ledger.log import (
    Ledger,
    VerifyReport,
    canonical_json,
    canonical_json_builtin,
    load_or_create_key,
    record_hash,
)
from borderline.ledger.merkle import (
    consistency_path,
    inclusion_path,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from borderline.ledger.note import Checkpoint, open_checkpoint, parse_verifier_key, sign_note

__all__ = [
    "Checkpoint",
    "Ledger",
    "VerifyReport",
    "canonical_json",
    "canonical_json_builtin",
    "consistency_path",
    "inclusion_path",
    "leaf_hash",
    "load_or_create_key",
    "node_hash",
    "open_checkpoint",
    "parse_verifier_key",
    "record_hash",
    "root_from_leaf_hashes",
    "sign_note",
    "verify_consistency",
    "verify_inclusion",
]
