"""screen(): real searches over every shipped list, qualifiers, weak aliases, bad input."""

from __future__ import annotations

import pytest

from borderline.errors import InvalidInput
from borderline.screening import EntityKind, PartialDate, Query, screen
from borderline.screening.index import ScreeningIndex


def _ids(matches):  # type: ignore[no-untyped-def]
    # Every listing of every hit: one party on several lists is one hit with all its listings.
    return {(x.list, x.source_id) for m in matches for x in (m.listings or (m.entity,))}


def test_shipped_lists_are_all_searchable(index: ScreeningIndex) -> None:
    assert set(index.lists) == {
        "us_ofac_sdn",
        "us_ofac_cons",
        "un_sc",
        "uk_sl",
        "us_bis_dpl",
        "us_csl",
    }
    assert index.lists["un_sc"].entities == 1_003 and index.lists["un_sc"].published == "2026-02-27"
    assert index.lists["us_ofac_sdn"].entities == 13_821
    assert index.lists["uk_sl"].published == "2026-04-29"
    assert index.lists["uk_sl"].entities == 6_046


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("Vladimir Putin", "person", {("us_ofac_sdn", "35096"), ("uk_sl", "RUS0251")}),
        ("Владимир Путин", "person", {("us_ofac_sdn", "35096"), ("uk_sl", "RUS0251")}),
        ("PUTIN Vladimir Vladimirovich", None, {("us_ofac_sdn", "35096")}),
        ("Banco Nacional de Cuba", "organization", {("us_ofac_sdn", "306")}),
        ("Ayman al-Zawahri", "person", {("us_ofac_sdn", "2676"), ("uk_sl", "AQD0126")}),
        ("Kim Jong Un", "person", {("us_ofac_sdn", "20157")}),
        ("Rosneft", None, {("us_ofac_cons", "17022")}),
    ],
)
def test_finds_listed_entries(
    index: ScreeningIndex, name: str, kind: str | None, expected: set[tuple[str, str]]
) -> None:
    got = screen(Query(name, kind=EntityKind(kind) if kind else None))
    assert expected <= _ids(got), [(m.list, m.source_id, m.matched_name) for m in got]
    assert all(0.8 <= m.score <= 1.0 for m in got)
    assert got == sorted(got, key=lambda m: (-m.score, m.list, m.source_id))


@pytest.mark.parametrize(
    "name",
    [
        "CORP",
        "LLC",
        "Trading Company Limited",
        "Maria Gonzalez",
        "Nordic Coffee AB",
        "李娜",
        "Γιώργος Παπαδόπουλος",
    ],
)
def test_no_false_alarm_on_ordinary_names(index: ScreeningIndex, name: str) -> None:
    assert screen(name) == []


def test_plain_string_query_and_match_shape(index: ScreeningIndex) -> None:
    m = screen("Vladimir Putin")[0]
    d = m.to_dict()
    assert list(d) == ["list", "source_id", "name", "matched_name", "score", "explanation"]
    assert "putin=putin" in d["explanation"]
    detail = m.to_dict(detail=True)
    assert detail["entity"]["kind"] == "person" and "qualifiers" in detail


def test_dob_and_country_move_the_score(index: ScreeningIndex) -> None:
    base = {(m.list, m.source_id): m.score for m in screen(Query("Kim Jong Un"))}
    right = screen(Query("Kim Jong Un", dob=PartialDate(1984, 1, 8), country="KP"))
    wrong = screen(Query("Kim Jong Un", dob=PartialDate(1950), threshold=0.0))
    hit = next(m for m in right if m.source_id == "20157")
    assert hit.score >= base[("us_ofac_sdn", "20157")]
    assert any(q["name"] == "dob" and q["delta"] > 0 for q in hit.qualifiers)
    miss = next(m for m in wrong if m.source_id == "20157")
    assert miss.score < 0.8 and "far from listed" in miss.explanation


def test_type_mismatch_drops_below_threshold(index: ScreeningIndex) -> None:
    assert screen(Query("Vladimir Putin", kind=EntityKind.ORGANIZATION)) == []


def test_weak_alias_only_on_exact_match(index: ScreeningIndex) -> None:
    # "BNC" is a weak a.k.a. of Banco Nacional de Cuba (OFAC 306, quoted in Remarks).
    assert ("us_ofac_sdn", "306") in _ids(screen("BNC"))
    assert ("us_ofac_sdn", "306") not in _ids(screen(Query("BNCX", threshold=0.5)))


def test_lists_filter(index: ScreeningIndex) -> None:
    got = screen(Query("Vladimir Putin", lists=("uk_sl",)))
    assert got and {m.list for m in got} == {"uk_sl"}
    with pytest.raises(InvalidInput) as err:
        screen(Query("Vladimir Putin", lists=("nope",)))
    assert err.value.where == "lists"


@pytest.mark.parametrize(
    ("query", "where"),
    [
        (Query(""), "name"),
        (Query("x" * 10_000), "name"),
        (Query("\x00\x01\x02"), "name"),
        (Query("Putin", country="Russia"), "country"),
        (Query("Putin", threshold=1.5), "threshold"),
        (Query("Putin", limit=0), "limit"),
    ],
)
def test_bad_queries(index: ScreeningIndex, query: Query, where: str) -> None:
    with pytest.raises(InvalidInput) as err:
        screen(query)
    assert err.value.where == where


def test_any_script_does_not_crash(index: ScreeningIndex) -> None:
    for name in ["김정은", "صدام حسين", "שלום כהן", "山田太郎", "Ñandú Ltd", "\u202eevil\u202c"]:
        for m in screen(name):
            assert 0 <= m.score <= 1


def test_persisted_index_round_trip(index: ScreeningIndex, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "index.pkl"
    index.save(path)
    again = ScreeningIndex.load(path)
    assert again is not None and again.fingerprint == index.fingerprint
    assert [m.to_dict() for m in again.search(Query("Vladimir Putin"))] == [
        m.to_dict() for m in index.search(Query("Vladimir Putin"))
    ]
    path.write_bytes(b"not a pickle")
    assert ScreeningIndex.load(path) is None  # a broken file is rebuilt, not trusted
