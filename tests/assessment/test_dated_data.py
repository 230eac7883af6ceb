"""Every value behind a corridor decision says where it came from and how old it is (issue 21)."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from borderline.assessment.assessor import CorridorAssessor
from borderline.cli import app
from borderline.engine import AssessContext
from borderline.model import Order


def _order(created_at: str) -> Order:
    return Order.model_validate(
        {
            "id": "dated-1",
            "created_at": created_at,
            "currency": "EUR",
            "total": "40",
            "parties": [{"role": "buyer", "name": "A. Buyer", "address": {"country": "DE"}}],
            "items": [{"title": "T-shirt", "quantity": 1, "unit_price": "40"}],
            "shipment": {"origin_country": "CN", "destination_country": "DE"},
        }
    )


@pytest.fixture(scope="module")
def assessor() -> CorridorAssessor:
    return CorridorAssessor({"as_of": "2026-12-01"})


def _found(a: CorridorAssessor, created_at: str) -> dict[str, Any]:
    return {f.code: f for f in a.assess(_order(created_at), AssessContext())}


def test_corridor_evidence_names_each_indicator_with_its_year(assessor: CorridorAssessor) -> None:
    ev = _found(assessor, "2026-12-01T10:00:00Z")["assessment.corridor.risk"].evidence
    data = ev["data"]
    assert data["ti_cpi"]["latest"] == "2025"
    assert data["ti_cpi"]["source"] == "Corruption Perceptions Index (Transparency International)"
    assert data["wgi_cc"]["version"] == "WGI 2024 update"
    assert data["wb_lpi"]["latest"] == "2023"  # the route indicator
    assert data["fatf"]["latest"] == "2026-06-19"
    assert "ffp_fsi" not in data


def test_a_decision_on_an_old_indicator_says_so(assessor: CorridorAssessor) -> None:
    found = _found(assessor, "2026-12-01T10:00:00Z")
    stale = found["assessment.data.stale"].evidence["stale"]
    # OECD country risk classifications shipped end in March 2022: past the 1,100-day limit
    assert any(s.startswith("oecd_crc") and "2022-03-11" in s for s in stale)
    assert not any(s.startswith("ti_cpi") for s in stale)
    # Its evidence dates exactly the stale indicators; every source is in the risk finding.
    assert set(found["assessment.data.stale"].evidence["data"]) == {
        s.split(" ", 1)[0] for s in stale
    }
    assert "ti_cpi" in found["assessment.corridor.risk"].evidence["data"]


def test_country_index_shows_each_indicators_year() -> None:
    r = CliRunner().invoke(app, ["risk", "countries", "--as-of", "2026-12-01", "--top", "3"])
    assert r.exit_code == 0, r.output
    line = r.stdout.splitlines()[1]
    assert line.startswith("indicators (latest data used):")
    for part in ("ti_cpi 2025", "wgi_cc 2023", "inform_risk 2025", "fatf 2026-06-19"):
        assert part in line
