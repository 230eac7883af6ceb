"""HS 2022 nomenclature and declared-code validation over the shipped real file."""

from __future__ import annotations

import csv

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from borderline.trade.hs import data_path, nomenclature
from borderline.trade.lexicon import lexicon, normalise_en


def test_counts_match_the_provenance() -> None:
    n = nomenclature()
    levels = [e.level for e in n.entries.values()]
    # 5,613 subheadings in the file minus Comtrade's chapter-99 "not specified" code.
    assert (levels.count(2), levels.count(4), levels.count(6)) == (96, 1228, 5612)
    assert n.get("610910").description.startswith("T-shirts, singlets and other vests; of cotton")
    assert n.sections["XI"].lower().startswith("textiles")


@pytest.mark.parametrize(
    ("declared", "status", "hs6"),
    [
        ("610910", "valid", "610910"),
        ("6109.10", "valid", "610910"),
        ("6109100010", "valid", "610910"),  # a US HTS 10-digit line: its first six digits
        ("8517 13", "valid", "851713"),
        ("880330", "mapped_from_2017", "880730"),  # parts of aircraft renumbered 88.03 -> 88.07
        ("880310", "mapped_from_2017", "880710"),
        ("851712", "split_in_2022", None),  # phones split into smartphones / other
        ("441810", "split_in_2022", None),
        ("999999", "unknown", None),  # Comtrade's chapter 99 is not HS
        ("610999", "unknown", None),
        ("6109", "malformed", None),
        ("61091O", "malformed", None),
        ("", "malformed", None),
    ],
)
def test_check_table(declared: str, status: str, hs6: str | None) -> None:
    c = nomenclature().check(declared)
    assert (c.status, c.hs6) == (status, hs6)
    assert c.message


def test_split_lists_its_2022_choices() -> None:
    c = nomenclature().check("851712")
    assert c.candidates == ("851713", "851714")
    assert "not one-to-one" in c.message


def test_correlation_table_is_consistent() -> None:
    n = nomenclature()
    with data_path("hs2017-to-2022.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for r in rows:
        assert r["hs2017"] not in n.entries, r  # deleted in 2022
        targets = r["hs2022"].split(";")
        assert all(t in n.entries for t in targets), r
        assert (r["relation"] == "one_to_one") == (len(targets) == 1), r


def test_every_lexicon_and_eval_code_exists() -> None:
    n = nomenclature()
    raw = yaml.safe_load(data_path("hs-lexicon.yaml").read_text(encoding="utf-8"))
    for c in raw["concepts"]:
        assert c["hs6"] in n.entries, c
        for alts in (c.get("by") or {}).values():
            assert all(v in n.entries for v in alts.values()), c
    with data_path("hs-eval.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            assert row["hs6"] in n.entries, row


@given(st.text(max_size=30))
def test_check_never_raises_and_is_consistent(text: str) -> None:
    c = nomenclature().check(text)
    assert c.status in {"valid", "mapped_from_2017", "split_in_2022", "unknown", "malformed"}
    assert (c.hs6 is not None) == (c.status in {"valid", "mapped_from_2017"})
    if c.hs6 is not None:
        assert c.hs6 in nomenclature().entries


@given(st.text(max_size=60))
def test_normalise_en_is_idempotent(text: str) -> None:
    once = normalise_en(text)
    assert normalise_en(once) == once


def test_require_names_the_field() -> None:
    from borderline.errors import InvalidInput

    with pytest.raises(InvalidInput) as e:
        nomenclature().require("851712", where="items[0].hs")
    assert e.value.where == "items[0].hs"


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("60% cotton 40% polyester", "material", "cotton"),
        ("95% polyester 5% spandex", "material", "synthetic"),
        ("纯棉短袖", "material", "cotton"),
        ("S925 sterling silver", "material", "silver"),
        ("Women's running shoes", "gender", "women"),
        ("men's jacket", "gender", "men"),
        ("男士衬衫", "gender", "men"),
    ],
)
def test_attribute_words(text: str, kind: str, expected: str) -> None:
    vals = lexicon().attribute_values(text, kind)
    assert max(vals, key=lambda k: vals[k]) == expected


def test_training_listings_are_disjoint_from_the_evaluation_set() -> None:
    from borderline.trade.classify import training_listings
    from borderline.trade.evaluation import load_eval

    train = training_listings()
    assert len(train) >= 100
    assert all(hs6 in nomenclature().entries for hs6, _ in train)
    titles = {t.casefold() for _, t in train}
    assert not titles & {r.listing.title.casefold() for r in load_eval()}
