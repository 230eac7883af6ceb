"""Screening reads no settings: the application and the CLI hand it the data folder; without
one it searches the shipped lists and keeps nothing on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from borderline.errors import InvalidInput
from borderline.screening import registry, screen, use_data_dir
from borderline.screening.index import ScreeningIndex


def test_without_a_data_dir_the_shipped_lists_are_searched(
    index: ScreeningIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BORDERLINE_DATA_DIR", str(tmp_path))  # not read by the domain
    use_data_dir(None)
    assert registry.data_root() is None and registry.active_imports() == {}
    assert registry.current_index().fingerprint == index.fingerprint
    assert any(m.list == "us_ofac_sdn" for m in screen("Vladimir Putin"))
    ofac = next(ll for ll in registry.load_snapshot() if ll.name == "us_ofac_sdn")
    with pytest.raises(InvalidInput, match="no data dir") as exc:
        registry.store_import(ofac)
    assert exc.value.where == "data_dir"
    assert not any(tmp_path.iterdir())


def test_the_application_and_the_cli_hand_it_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from borderline.cli._services import use_screening_data
    from borderline.service import Services
    from borderline.settings import Settings

    svc = Services.open(Settings(data_dir=tmp_path / "app", database_url=""))
    try:
        assert registry.data_root() == tmp_path / "app" / "screening"
    finally:
        svc.close()
    monkeypatch.setenv("BORDERLINE_DATA_DIR", str(tmp_path / "cli"))
    use_screening_data()
    assert registry.data_root() == tmp_path / "cli" / "screening"
