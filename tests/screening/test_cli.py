"""The CLI end to end through typer's CliRunner: exact JSON shapes from issue 3, errors as
``error: where: message`` with exit code 2, list import/status/diff/update."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from borderline.cli import app

from .conftest import FIXTURES

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        # main() maps BorderlineError to exit 2; CliRunner calls the app directly, so do the same.
        from borderline.errors import BorderlineError

        if isinstance(r.exception, BorderlineError):
            return 2, r.stdout, f"error: {r.exception}"
        raise r.exception
    return r.exit_code, r.stdout, r.stderr


def test_screen_one_name_json(index) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("screen", "Ayman al-Zawahiri", "--type", "person", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["query"] == "Ayman al-Zawahiri"
    first = doc["matches"][0]
    assert {"list", "source_id", "name", "matched_name", "score", "explanation"} <= set(first)
    # One party on the UN, OFAC and UK lists: one hit with its three listings, the UK one by
    # its FCDO Unique ID (linked to the UN entry by the UN reference the UK list cites).
    (hit,) = doc["matches"]
    assert (hit["list"], hit["source_id"]) == ("un_sc", "QDi.006")
    assert [(x["list"], x["source_id"]) for x in hit["listings"]] == [
        ("un_sc", "QDi.006"),
        ("us_ofac_sdn", "2676"),
        ("uk_sl", "AQD0126"),
    ]


def test_screen_qualifiers_and_table(index) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("screen", "Kim Jong Un", "--country", "KP", "--dob", "1984-01-08")
    assert code == 0 and "20157" in out
    code, out, _ = run("screen", "Maria Gonzalez")
    assert code == 0 and "no match" in out


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["screen", ""], "name"),
        (["screen", "x" * 10_000], "name"),
        (["screen", "Putin", "--dob", "1952-13-01"], "--dob"),
        (["screen", "Putin", "--type", "planet"], "--type"),
        (["screen", "Putin", "--country", "Russia"], "country"),
        (["screen"], None),
        (["screen", "Vladimir", "Putin"], "screen"),
    ],
)
def test_screen_bad_input(index, args: list[str], where: str | None) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = run(*args)
    assert code == 2 or (where is None and code != 0)
    if where:
        assert err.startswith(f"error: {where}:"), err


def test_batch_json_lines(index, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "q.csv"
    f.write_text(
        "id,name,type,country,dob\n"
        "1,Vladimir Putin,person,RU,1952-10-07\n"
        "2,Maria Gonzalez,,,\n"
        "3,BANCO NACIONAL DE CUBA,organization,,\n",
        encoding="utf-8",
    )
    code, out, _ = run("screen", "--batch", str(f), "--top", "2", "--threshold", "0.85", "--json")
    assert code == 0
    lines = [json.loads(x) for x in out.splitlines()]
    assert [x["id"] for x in lines] == ["1", "2", "3"]
    assert all(list(x) == ["id", "matches"] for x in lines)
    # Putin on OFAC and on the UK list (whose entry carries no date of birth to link them).
    assert {m["source_id"] for m in lines[0]["matches"]} == {"35096", "RUS0251"}
    assert lines[1]["matches"] == []
    m = lines[2]["matches"][0]
    assert list(m) == ["list", "source_id", "name", "matched_name", "score", "explanation"]
    assert (m["list"], m["source_id"]) == ("us_ofac_sdn", "306") and m["score"] >= 0.85


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("name,type\nx,person\n", "q.csv:1"),  # no id column: nothing can be answered
        ("", "q.csv:1"),
    ],
)
def test_batch_unreadable_files(index, tmp_path: Path, content: str, where: str) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "q.csv"
    f.write_text(content, encoding="utf-8")
    code, out, err = run("screen", "--batch", str(f), "--json")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and where in err, err


# Rows of a real customer file: dates as people write them, impossible dates, fields that
# cannot be used, rows that cannot be screened. (row, expected warning or error, or None)
BATCH_ROWS = [
    ("1,Eric Badege,person,CD,1971", None, None),
    ("2,Eric Badege,person,CD,1971-7-16", None, None),
    ("3,Eric Badege,person,CD,16/07/1971", None, None),
    ("4,Eric Badege,person,CD,19710716", None, None),
    ("5,Eric Badege,person,CD,1971-07", None, None),
    ("6,Eric Badege,person,CD,1974-01-32", "q.csv:7: dob: '1974-01-32': day 32", None),
    ("7,Eric Badege,person,CD,1968-13", "q.csv:8: dob: '1968-13': month 13", None),
    ("8,Eric Badege,person,CD,31/02/1970", "day 31 does not exist in 1970-02", None),
    ("9,Eric Badege,planet,CD,", "q.csv:10: type: type must be one of", None),
    ('10,Eric Badege,,"Congo, Democratic Republic of the",', None, None),
    ("11,Eric Badege,,COD-XX,", "screened without a country", None),
    ("12,,person,,", None, "q.csv:13: name: name is empty"),
    ("13,!!!,,,", None, "q.csv:14: name: name has no letters or digits"),
    (f"14,{'x' * 2000},,,", None, "q.csv:15: name: name has 2000 characters"),
    ("15,Eric Badege,person,CD,1971,extra", None, "q.csv:16: expected 5 columns, found 6"),
    (",Eric Badege,,,", None, "q.csv:17: id: empty"),
    ("1,Eric Badege,,,", "q.csv:18: id: duplicate '1'", None),
]


def test_batch_never_aborts(index, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "q.csv"
    f.write_text(
        "id,name,type,country,dob\n" + "\n".join(r for r, _w, _e in BATCH_ROWS) + "\n",
        encoding="utf-8",
    )
    code, out, err = run("screen", "--batch", str(f), "--top", "3", "--json")
    lines = [json.loads(x) for x in out.splitlines()]
    assert len(lines) == len(BATCH_ROWS)  # every row answered, in file order
    failed = sum(e is not None for _r, _w, e in BATCH_ROWS)
    assert code == failed and f"{failed} of {len(BATCH_ROWS)} rows could not be screened" in err
    for (row, warning, error), got in zip(BATCH_ROWS, lines, strict=True):
        assert set(got) <= {"id", "matches", "warnings", "error"}, got
        if error is not None:
            assert got["matches"] == [] and error in got["error"], (row, got)
            continue
        assert "error" not in got, (row, got)
        if warning is None:
            assert "warnings" not in got, (row, got)
        else:
            assert any(warning in w for w in got["warnings"]), (row, got)
        # The name is screened whatever else was wrong with the row.
        assert ("un_sc", "CDi.001") in {(m["list"], m["source_id"]) for m in got["matches"]}
    # A date that exists and matches the listed year of birth lifts the score; an ignored one
    # does not lower it.
    by_id = {x["id"]: x for x in lines}
    assert by_id["1"]["matches"][0]["score"] >= by_id["6"]["matches"][0]["score"]


def test_batch_wrong_encoding(index, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # One Latin-1 row in a UTF-8 file: that row fails with its line, the others are screened.
    f = tmp_path / "q.csv"
    f.write_bytes(b"id,name\n1,Putin\n" + "2,Müller\n".encode("latin-1") + b"3,Eric Badege\n")
    code, out, _err = run("screen", "--batch", str(f), "--json")
    lines = [json.loads(x) for x in out.splitlines()]
    assert code == 1 and [x["id"] for x in lines] == ["1", "2", "3"]
    assert "q.csv:3: name: not UTF-8" in lines[1]["error"]
    assert lines[2]["matches"] and "error" not in lines[2]


def test_pairs(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text(
        "id,left,right,type\n"
        'a,Vladimir Putin,"PUTIN, Vladimir Vladimirovich",person\n'
        "b,CORP,BANCO NACIONAL DE CUBA CORP,organization\n"
        "c,Xi Jinping,习近平,\n",
        encoding="utf-8",
    )
    code, out, _ = run("screen", "pairs", str(f), "--json")
    assert code == 0
    rows = [json.loads(x) for x in out.splitlines()]
    assert rows == [
        {"id": "a", "score": 0.9742, "match": True},
        {"id": "b", "score": 0.0, "match": False},
        {"id": "c", "score": 1.0, "match": True},
    ]


def test_lists_status_warns_when_old(index) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("lists", "status", "--max-age-days", "30", "--json")
    assert code == 0
    rows = {r["list"]: r for r in json.loads(out)}
    assert rows["us_ofac_sdn"]["published"] == "2023-12-28"
    assert rows["us_ofac_sdn"]["origin"] == "shipped" and rows["us_ofac_sdn"]["stale"]
    assert "WARNING: us_ofac_sdn is" in err
    code, _out, err = run("lists", "status", "--max-age-days", "100000")
    assert code == 0 and "WARNING" not in err


def test_lists_diff_ofac_versions() -> None:
    # Primary tables only on both sides (entries 45000-47099 of each), so aliases do not
    # count as changes.
    old, new = FIXTURES / "us_ofac_sdn_2023-12-28", FIXTURES / "us_ofac_sdn_2024-05-03"
    code, out, _ = run("lists", "diff", str(old), str(new), "--json", "--limit", "3")
    assert code == 0
    d = json.loads(out)
    assert (d["added"], d["removed"], d["changed"]) == (49, 4, 9)
    assert 896 - d["removed"] + d["added"] == 941
    assert len(d["entries"]["added"]) == 3


def test_lists_update_offline(index, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    # This machine has no internet; pin that so the test means the same everywhere.
    from borderline.screening import service

    monkeypatch.setattr(service, "_online", lambda host, timeout: False)
    code, _out, err = run("lists", "update")
    assert code == 2 and "no internet access" in err and "lists import" in err


def test_lists_import_all_or_nothing(fresh_data_dir: Path) -> None:
    code, out, _ = run(
        "lists", "import", str(FIXTURES / "ftm_sample.jsonl"), "--name", "sample", "--json"
    )
    assert code == 0, out
    rep = json.loads(out)
    assert rep["list"] == "sample" and rep["entities"] == 3 and rep["previous"] is None
    code, out, _ = run("screen", "Ivan Petrovich Sidorov", "--json")
    assert ("sample", "NK-person-1") in {
        (m["list"], m["source_id"]) for m in json.loads(out)["matches"]
    }
    # A broken new version is refused with its line; the previous one stays active.
    bad = fresh_data_dir.parent / "bad.jsonl"
    bad.write_text('{"id": "x", "schema": "Person", "properties": {"name": ["A"]}}\n{oops\n')
    code, _out, err = run("lists", "import", str(bad), "--format", "ftm", "--name", "sample")
    assert code == 2 and "bad.jsonl:2" in err
    code, out, _ = run("lists", "status", "--json")
    rows = {r["list"]: r for r in json.loads(out)}
    assert rows["sample"]["version"] == rep["version"] and rows["sample"]["origin"] == "imported"


def test_shipped_uk_sanctions_list(index) -> None:  # type: ignore[no-untyped-def]
    # The FCDO list is shipped, dated by its report date, and answers with its Unique IDs.
    code, out, _ = run("lists", "status", "--json")
    assert code == 0
    rows = {r["list"]: r for r in json.loads(out)}
    uk = rows["uk_sl"]
    assert (uk["published"], uk["origin"], uk["format"]) == ("2026-04-29", "shipped", "fcdo_csv")
    assert uk["entities"] == 6_046 and "uk_ofsi" not in rows  # OFSI's list closed in Jan 2026
    code, out, _ = run("screen", "Haji Khairullah Haji Sattar Money Exchange", "--json")
    hits = json.loads(out)["matches"]
    # On the UN list (TAe.010) and the UK list, which cites that reference: one hit. OFAC's
    # entry cites neither, so it stays a hit of its own.
    assert [[(x["list"], x["source_id"]) for x in h["listings"]] for h in hits] == [
        [("un_sc", "TAe.010"), ("uk_sl", "AFG0001")],
        [("us_ofac_sdn", "15006")],
    ]
    code, out, _ = run("screen", "Sberbank", "--type", "organization", "--json")
    assert ("uk_sl", "RUS0256") in {
        (x["list"], x["source_id"]) for m in json.loads(out)["matches"] for x in m["listings"]
    }


def test_lists_import_official_fcdo_file(fresh_data_dir: Path) -> None:
    xml = FIXTURES / "uk_sanctions_list_2026-04-29" / "UK-Sanctions-List_slice.xml"
    code, out, _ = run("lists", "import", str(xml), "--no-rescreen", "--json")
    assert code == 0, out
    rep = json.loads(out)
    assert (rep["list"], rep["format"], rep["entities"]) == ("uk_sl", "fcdo_xml", 8)
    assert rep["published"] == "2026-04-29" and rep["previous"].startswith("2026-04-29-")
    code, out, _ = run("lists", "status", "--json")
    rows = {r["list"]: r for r in json.loads(out)}
    assert rows["uk_sl"]["origin"] == "imported" and rows["uk_sl"]["entities"] == 8
    code, out, _ = run("screen", "Petrel 8", "--type", "vessel", "--json")
    assert ("uk_sl", "DPR0075") in {(m["list"], m["source_id"]) for m in json.loads(out)["matches"]}
