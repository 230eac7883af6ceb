"""Shared fixtures for the assessment tests: paths of the published worked examples."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from borderline.assessment.service import RegisterService
from borderline.service import Services
from borderline.settings import Settings

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    """Real core services (database migrated with every branch, real ledger)."""
    svc = Services.open(Settings(data_dir=tmp_path / "data", database_url=database_url))
    yield svc
    svc.close()


@pytest.fixture
def sqlite_services(sqlite_url: str, tmp_path: Path) -> Iterator[Services]:
    svc = Services.open(Settings(data_dir=tmp_path / "data", database_url=sqlite_url))
    yield svc
    svc.close()


@pytest.fixture
def register(services: Services) -> RegisterService:
    return RegisterService(services.sessions, services.ledger)
