"""Screening tests share one index over the shipped lists, built once per session in a
temporary data dir (the persisted-index code path is exercised on the way)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Everything these tests read is in the repository: the lists shipped in the package and
# slices of other official files in ``fixtures/`` (see fixtures/PROVENANCE.md).
FIXTURES = Path(__file__).parent / "fixtures"
PKG_DATA = Path(__file__).resolve().parents[2] / "src" / "borderline" / "screening" / "data"


@pytest.fixture(scope="session", autouse=True)
def screening_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The data dir as the environment names it (CLI commands read it) and as the application
    hands it to screening (tests that call the domain directly)."""
    from borderline.screening import registry

    path = tmp_path_factory.mktemp("screening-data")
    old = os.environ.get("BORDERLINE_DATA_DIR")
    os.environ["BORDERLINE_DATA_DIR"] = str(path)
    registry.use_data_dir(path)
    yield path
    registry.use_data_dir(None)
    if old is None:
        os.environ.pop("BORDERLINE_DATA_DIR", None)
    else:
        os.environ["BORDERLINE_DATA_DIR"] = old


@pytest.fixture(autouse=True)
def _screening_data_dir_again(screening_data_dir: Path) -> None:
    """Opening an application elsewhere hands screening its own data dir: each test starts
    from the session's."""
    from borderline.screening import registry

    registry.use_data_dir(screening_data_dir)


@pytest.fixture(scope="session")
def index(screening_data_dir: Path):  # type: ignore[no-untyped-def]
    from borderline.screening.registry import current_index

    return current_index()


@pytest.fixture
def fresh_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data dir for tests that import lists (the session index stays untouched)."""
    from borderline.screening import registry

    monkeypatch.setenv("BORDERLINE_DATA_DIR", str(tmp_path / "data"))
    registry.use_data_dir(tmp_path / "data")
    saved = dict(registry._current)
    yield tmp_path / "data"  # type: ignore[misc]
    registry._current.clear()
    registry._current.update(saved)
