"""`rescreen` finds exactly the hits `borderline screen --batch` finds, and the difference
with a previous run."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from tests.spark.conftest import World, cli


@pytest.fixture(scope="module")
def parties_csv(world: World) -> Path:
    """Every party name of the generated orders, listed names taken from the shipped lists
    (as listed and with a letter dropped), and a row the matcher rejects."""
    from borderline.screening.registry import current_index

    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for o in world.payloads:
        for p in o["parties"]:
            if p["name"] not in seen:
                seen.add(p["name"])
                kind = "organization" if p.get("kind") == "organization" else "person"
                country = (p.get("address") or {}).get("country", "")
                rows.append({"name": p["name"], "type": kind, "country": country, "dob": ""})
    with world.env():
        idx = current_index()
    for ent in idx.entities[:: max(1, len(idx.entities) // 40)][:40]:
        name = ent.names[0].full
        rows.append({"name": name, "type": "", "country": "", "dob": ""})
        if len(name) > 8:
            rows.append({"name": name[:3] + name[4:], "type": "", "country": "", "dob": ""})
    rows.append({"name": "!!!", "type": "", "country": "", "dob": ""})
    path = world.root / "parties.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "name", "type", "country", "dob"])
        w.writeheader()
        for i, r in enumerate(rows):
            w.writerow({"id": f"p{i:05d}", **r})
    return path


def _keys(rows: Any) -> set[tuple[str, str, str, float]]:
    return {(r["id"], r["list"], r["source_id"], round(r["score"], 4)) for r in rows}


def test_rescreen_finds_the_hits_screen_batch_finds(
    spark: Any, world: World, parties_csv: Path
) -> None:
    from borderline.spark import read_parties, rescreen

    # screen --batch refuses a whole file for one bad row: give it the file without it.
    clean = world.root / "parties-clean.csv"
    lines = parties_csv.read_text(encoding="utf-8").splitlines()
    clean.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    r = cli(world.data_dir, "screen", "--batch", str(clean), "--json")
    assert r.returncode == 0, r.stderr
    want = set()
    for line in r.stdout.splitlines():
        obj = json.loads(line)
        want |= {(obj["id"], m["list"], m["source_id"], m["score"]) for m in obj["matches"]}
    with world.env():
        result = rescreen(read_parties(spark, str(parties_csv)))
        got = _keys(result.hits.collect())
        errors = [(e["id"], e["error"]) for e in result.errors.collect()]
    assert len(want) >= 40
    assert got == want
    assert len(errors) == 1 and "no letters or digits" in errors[0][1]


def test_new_and_gone_hits_against_a_previous_run(
    spark: Any, world: World, parties_csv: Path
) -> None:
    from borderline.screening.registry import active_lists
    from borderline.spark import read_parties, rescreen

    with world.env():
        lists = active_lists()
        parties = read_parties(spark, str(parties_csv))
        one = [ll for ll in lists if ll.name == "us_ofac_sdn"]
        before = rescreen(parties, one).hits.cache()
        after = rescreen(parties, lists, previous=before)
        back = rescreen(parties, one, previous=after.hits)
        prev_keys = {k[:3] for k in _keys(before.collect())}
        all_keys = {k[:3] for k in _keys(after.hits.collect())}
        assert after.new is not None and after.gone is not None
        new = {k[:3] for k in _keys(after.new.collect())}
        gone = {k[:3] for k in _keys(after.gone.collect())}
        assert back.gone is not None
        gone_back = {k[:3] for k in _keys(back.gone.collect())}
        before.unpersist()
    assert new == all_keys - prev_keys and new
    assert gone == prev_keys - all_keys
    assert gone_back == all_keys - prev_keys
    assert {k[1] for k in new} - {"us_ofac_sdn"}
