"""PrivacyAssessor: transfers an order declares become privacy.transfer.* findings, directly
and through the core Engine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from borderline.engine import AssessContext, Engine
from borderline.model import Order
from borderline.privacy.assessor import PrivacyAssessor


def order(*transfers: dict) -> Order:
    return Order.model_validate(
        {
            "id": "o-1",
            "merchant_id": "shop-eu",
            "created_at": datetime(2026, 3, 1, tzinfo=UTC).isoformat(),
            "currency": "EUR",
            "total": "50",
            "parties": [
                {
                    "role": "buyer",
                    "name": "Anna Weber",
                    "address": {"country": "DE", "city": "Berlin"},
                }
            ],
            "items": [{"title": "Tea", "quantity": 1, "unit_price": "50"}],
            "shipment": {"origin_country": "CN", "destination_country": "DE"},
            "data_transfers": list(transfers),
        }
    )


def transfer(**kw):
    base = {
        "exporter_country": "DE",
        "importer_country": "US",
        "importer": {"name": "Carrier Inc", "kind": "processor"},
        "data_categories": ["user.name", "user.contact.address"],
        "data_subjects": 1,
        "purpose": "essential.service.operations",
    }
    return base | kw


@pytest.mark.parametrize(
    ("t", "code", "severity"),
    [
        (transfer(), "privacy.transfer.no_mechanism", "high"),
        (transfer(mechanism="SCC module 2 + TIA"), "privacy.transfer.conditions", "low"),
        (
            transfer(importer={"name": "C", "certifications": ["EU-US DPF"]}),
            "privacy.transfer.allowed",
            "info",
        ),
        (transfer(mechanism="DPA (2021/915)"), "privacy.transfer.invalid_mechanism", "medium"),
        (
            transfer(
                exporter_country="US",
                importer_country="RU",
                data_subjects=5000,
                data_categories=["user.contact.email"],
                importer={"name": "Broker", "kind": "data_broker"},
            ),
            "privacy.transfer.prohibited",
            "critical",
        ),
        (transfer(data_categories=["user.shoe_size"]), "privacy.transfer.invalid_input", "medium"),
    ],
)
def test_findings_per_transfer(t, code, severity):
    findings = PrivacyAssessor().assess(order(t), AssessContext())
    hit = [f for f in findings if f.code == code]
    assert hit, [f.code for f in findings]
    assert hit[0].severity == severity and hit[0].assessor == "privacy"
    summary = next(f for f in findings if f.code == "privacy.transfer.summary")
    assert summary.signals["privacy.transfers"] == 1


def test_no_transfers_no_findings():
    assert PrivacyAssessor().assess(order(), AssessContext()) == []


def test_runs_inside_the_core_engine():
    engine = Engine(assessors=[PrivacyAssessor()])
    decision = engine.assess(order(transfer()), AssessContext())
    codes = {f.code for f in decision.findings}
    assert "privacy.transfer.no_mechanism" in codes
    assert decision.signals["privacy.unmet_conditions"] == 1
