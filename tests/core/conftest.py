from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from borderline.api.app import create_app
from borderline.auth import create_key
from borderline.samples import generate_orders
from borderline.service import Services
from borderline.settings import Settings
from borderline.store import transaction


@pytest.fixture
def services(migrated_url: str, tmp_path: Path) -> Iterator[Services]:
    svc = Services.open(
        Settings(data_dir=tmp_path / "data", database_url=migrated_url), run_migrations=False
    )
    yield svc
    svc.close()


@pytest.fixture
def keys(services: Services) -> dict[str, str]:
    out = {}
    with transaction(services.sessions) as s:
        for name, role in [
            ("ada", "admin"),
            ("ann", "analyst"),
            ("aud", "auditor"),
            ("svc", "service"),
            ("adam", "admin"),
        ]:
            out[name] = create_key(s, name, role, by="test", ledger=services.ledger)[1]
    return out


@pytest.fixture
def client(services: Services) -> TestClient:
    return TestClient(create_app(services))


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def orders() -> list[dict[str, Any]]:
    return list(generate_orders(60, seed=11))
