"""Dated data sets: registry, user copies taking precedence, and docs/data.md agreeing."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from borderline.refdata import datasets
from borderline.trade import fx

ROOT = Path(__file__).resolve().parents[2]


def test_every_dated_set_is_in_docs_with_its_dates() -> None:
    doc = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    for ds in datasets.all_datasets():
        row = next((line for line in doc.splitlines() if ds.file in line), None)
        assert row is not None, ds.file
        assert ds.published.isoformat() in row and ds.refreshed.isoformat() in row, row


def test_no_non_commercial_data_is_shipped() -> None:
    src = ROOT / "src" / "borderline"
    assert not list(src.rglob("*fsi*.csv"))
    assert (
        "Fragile States"
        not in (src / "assessment" / "data" / "country_index.yaml")
        .read_text(encoding="utf-8")
        .split("removed")[-1]
    )


def test_a_users_update_takes_precedence_and_is_dated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BORDERLINE_REFDATA_DIR", str(tmp_path / "ref"))
    daily = ROOT / "tests" / "trade" / "fixtures" / "ecb-eurofxref-daily.csv"
    rates = fx.read_ecb_file(daily)
    assert rates.days == (date(2026, 10, 30),)
    out = tmp_path / "one.gz"
    fx.write_ecb_history(rates, out)
    ds = datasets.install(fx.FX_DATASET, out, rates.last_day)
    try:
        assert datasets.path(fx.FX_DATASET) == tmp_path / "ref" / ds.file
        assert ds.published == date(2026, 10, 30)
        assert fx.ecb_rates().days == (date(2026, 10, 30),)
        table = fx.ecb_rates().table(date(2026, 11, 2))  # a Monday after the last publication
        assert table.as_of == date(2026, 10, 30)
        assert float(table.rates["USD"]) == pytest.approx(1 / 1.1172)
    finally:
        datasets.cache_clear()
    assert gzip.decompress(out.read_bytes()).startswith(b"Date,")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("Day,USD\n2026-10-30,1.1\n", "x:1"),
        ("Date,USD\n2026-13-30,1.1\n", "x:2"),
        ("Date,USD\n2026-10-30,abc\n", "x:2:USD"),
        ("Date,USD\n2026-10-30,-1\n", "x:2:USD"),
    ],
)
def test_bad_ecb_files_say_where(text: str, where: str) -> None:
    from borderline.errors import DataFileError

    with pytest.raises(DataFileError) as exc:
        fx.parse_ecb_csv(text, "x")
    assert exc.value.where == where
