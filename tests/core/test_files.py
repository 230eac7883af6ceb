"""One "no such file" check (``borderline.files``): the same error, naming the path, from every
reader a user hands a file to, and the CLI's ``error: PATH: …`` with exit status 2."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from borderline.errors import InvalidInput
from borderline.files import existing_file, existing_path


def test_existing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    with pytest.raises(InvalidInput) as exc:
        existing_file(missing)
    assert exc.value.where == str(missing) and exc.value.message == "no such file"
    assert exc.value.status == 422 and exc.value.to_dict()["error"] == "invalid_input"
    with pytest.raises(InvalidInput, match="is a folder; give one file"):
        existing_file(tmp_path)
    there = tmp_path / "there.csv"
    there.write_text("x\n")
    assert existing_file(str(there)) == there


def test_existing_path_takes_a_file_or_a_folder(tmp_path: Path) -> None:
    assert existing_path(tmp_path) == tmp_path
    with pytest.raises(InvalidInput, match="no such file or folder") as exc:
        existing_path(tmp_path / "gone")
    assert exc.value.where == str(tmp_path / "gone")


def _readers() -> list[tuple[str, Callable[[Path], Any]]]:
    from borderline.assessment import load_config
    from borderline.logistics import read_disruptions
    from borderline.privacy.files import check_text_file
    from borderline.screening import load, read_queries
    from borderline.screening.loaders._common import open_bytes
    from borderline.trade import TariffSchedule, convert_usitc_hts, read_ecb_file
    from borderline.trade.declarations import read_declarations

    return [
        ("screening list", lambda p: load(p, "ofac_csv")),
        ("screening batch", lambda p: list(read_queries(p))),
        ("list file", open_bytes),
        ("tariff", TariffSchedule.load),
        ("usitc", lambda p: convert_usitc_hts(p, p.parent / "o.csv.gz", "x", date(2026, 1, 1))),
        ("fx", read_ecb_file),
        ("declarations", read_declarations),
        ("privacy file", check_text_file),
        ("country index config", load_config),
        ("disruptions", read_disruptions),
    ]


@pytest.mark.parametrize("name", [n for n, _ in _readers()])
def test_every_reader_says_no_such_file_the_same_way(name: str, tmp_path: Path) -> None:
    read = dict(_readers())[name]
    missing = tmp_path / "missing.dat"
    with pytest.raises(InvalidInput) as exc:
        read(missing)
    assert exc.value.where == str(missing)
    assert exc.value.message in ("no such file", "no such file or folder")
    assert exc.value.to_dict()["error"] == "invalid_input"


def test_the_cli_names_the_missing_path(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from borderline.cli import app

    env = {"BORDERLINE_DATA_DIR": str(tmp_path / "data"), "BORDERLINE_DATABASE_URL": ""}
    old, new, queries, fx = (str(tmp_path / n) for n in ("a.csv", "b.csv", "q.csv", "fx.zip"))
    for args, where, problem in (
        (["lists", "diff", old, new], old, "no such file or folder"),
        (["screen", "--batch", queries], queries, "no such file"),
        (["data", "update", "ecb-fx", fx], fx, "no such file or folder"),
    ):
        r = CliRunner().invoke(app, args, env=env)
        assert isinstance(r.exception, InvalidInput), (args, r.output)
        assert str(r.exception) == f"{where}: {problem}"
