"""Intake fixtures: platform payloads from tests/fixtures/intake, secrets, migrated services."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from borderline.service import Services
from borderline.settings import Settings

FIXTURES = Path(__file__).parents[1] / "fixtures" / "intake"

SHOPIFY_SECRET = "shpss_test_0123456789abcdef"
WOO_SECRET = "wc-secret-test"
STRIPE_SECRET = "whsec_test_stripe"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


@pytest.fixture(autouse=True)
def _secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BORDERLINE_SHOPIFY_SECRET", SHOPIFY_SECRET)
    monkeypatch.setenv("BORDERLINE_WOOCOMMERCE_SECRET", WOO_SECRET)
    monkeypatch.setenv("BORDERLINE_STRIPE_WEBHOOK_SECRET", STRIPE_SECRET)
    monkeypatch.setenv("BORDERLINE_INTAKE_ORIGIN_COUNTRY", "GB")
    monkeypatch.delenv("BORDERLINE_SHOPIFY_ADMIN_TOKEN", raising=False)


@pytest.fixture
def services(migrated_url: str, tmp_path: Path) -> Iterator[Services]:
    svc = Services.open(
        Settings(data_dir=tmp_path / "data", database_url=migrated_url), run_migrations=False
    )
    yield svc
    svc.close()
