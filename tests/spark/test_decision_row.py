"""A Spark decision row's record hash is the ledger's, with the body serialised once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from borderline.decisions import decision_hash, decision_record
from borderline.ledger import canonical_json, record_hash

BODIES: list[dict[str, Any]] = [
    {"order_id": "o-1", "score": 0.0, "outcome": "approve", "reasons": []},
    {
        "order_id": "o-2",
        "score": 37.5,
        "findings": [{"code": "fraud.model.score", "evidence": {"probability": 1e-7}}],
        "big": 1e16,
        "huge": 1e300,
        "text": "Zoë €\u2028 \U0001f600 דּ",
        "keys": {"\u00e9": 1, "e": 2, "\U0001f600": 3, "\ufb33": 4},
        "receipt": {"log_index": 3},  # never part of what the ledger commits to
    },
]


@pytest.mark.parametrize("body", BODIES)
def test_decision_hash_is_the_ledgers(body: dict[str, Any]) -> None:
    phash = "ab" * 32
    canon, rhash = decision_hash(body, phash)
    assert rhash == record_hash(decision_record(body, phash))
    # The stored JSON is the canonical body: read back, it hashes to the same record.
    back = json.loads(canon)
    assert "receipt" not in back
    assert canon == canonical_json(back)
    assert record_hash(decision_record(back, phash)) == rhash


def test_another_payload_hash_changes_the_record_hash() -> None:
    assert decision_hash(BODIES[0], "ab" * 32)[1] != decision_hash(BODIES[0], "cd" * 32)[1]
