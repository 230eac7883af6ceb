"""Throttled freshness checks: once per interval, at once after a change in this process."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from borderline.refdata import datasets
from borderline.refdata.recheck import Recheck, changed


def test_due_on_first_use_then_not_until_a_change() -> None:
    r = Recheck(interval=3600)
    assert r.due() is True
    assert r.due() is False
    changed()
    assert r.due() is True
    assert r.due() is False
    r.reset()
    assert r.due() is True


def test_a_zero_interval_checks_every_time() -> None:
    r = Recheck(interval=0)
    assert [r.due() for _ in range(3)] == [True, True, True]


def test_a_data_set_installed_in_this_process_is_seen_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from borderline.trade import fx

    monkeypatch.setenv("BORDERLINE_REFDATA_DIR", str(tmp_path / "ref"))
    before = datasets.dataset(fx.FX_DATASET)
    assert datasets.dataset(fx.FX_DATASET) == before  # answered from the memo
    src = tmp_path / "rates.gz"
    fixture = Path(__file__).parents[1] / "trade" / "fixtures" / "ecb-eurofxref-daily.csv"
    rates = fx.read_ecb_file(fixture)
    fx.write_ecb_history(rates, src)
    try:
        datasets.install(fx.FX_DATASET, src, date(2021, 3, 4))
        assert before.published != date(2021, 3, 4)
        assert datasets.dataset(fx.FX_DATASET).published == date(2021, 3, 4)
    finally:
        datasets.cache_clear()
