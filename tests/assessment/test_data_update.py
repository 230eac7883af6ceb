"""`borderline data update SOURCE FILE`: a user's copy from the publisher's layout takes over."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from borderline.cli import app

FIX = Path(__file__).parent / "fixtures"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"BORDERLINE_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}


def test_update_fatf_and_wgi_then_the_index_uses_them(env: dict[str, str], tmp_path: Path) -> None:
    r = CliRunner()
    out = r.invoke(
        app, ["data", "update", "fatf", str(FIX / "fatf_status_2026-06-19.csv")], env=env
    )
    assert out.exit_code == 0, out.output
    assert "2026-06-19" in out.stdout
    out = r.invoke(
        app,
        ["data", "update", "wgi", str(FIX / "wgidataset_slice.csv"), "--edition", "WGI test"],
        env=env,
    )
    assert out.exit_code == 0, out.output
    own = tmp_path / "data" / "refdata" / "indicators"
    assert (own / "wgi_cc.csv").read_text().startswith("country,date,value\nDEU,2022,")
    listed = r.invoke(app, ["data", "list", "--json"], env=env)
    rows = {json.loads(x)["id"]: json.loads(x) for x in listed.stdout.splitlines()}
    assert rows["wgi_cc"]["version"] == "WGI test" and rows["wgi_cc"]["published"] == "2023"
    assert rows["fatf"]["published"] == "2026-06-19"
    idx = r.invoke(app, ["risk", "countries", "--as-of", "2026-12-01", "--json"], env=env)
    body = json.loads(idx.stdout)
    assert body["sources"]["wgi_cc"]["version"] == "WGI test"


@pytest.mark.parametrize(
    ("source", "content", "message"),
    [
        ("wgi", "a,b\n1,2\n", "not a WGI table"),
        ("fatf", "iso2,fatf_status,as_of_plenary\nKP,banana,2026-06-19\n", "unknown status"),
        ("nope", "", "unknown source"),
    ],
)
def test_update_refuses_files_it_cannot_read(
    env: dict[str, str], tmp_path: Path, source: str, content: str, message: str
) -> None:
    f = tmp_path / "in.csv"
    f.write_text(content)
    out = CliRunner().invoke(app, ["data", "update", source, str(f)], env=env)
    assert out.exit_code != 0
    assert message in str(out.exception)
