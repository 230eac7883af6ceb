"""Algorithm v4's rules, each on name pairs the lists themselves give as aliases of one entry
(development half of ``borderline.bench.screening_devset``) or as two different entries, and
the common-name rule on a year of birth alone."""

from __future__ import annotations

import pytest

from borderline.screening import THRESHOLD, EntityKind, PartialDate, compare
from borderline.screening.acronyms import initials, without_own_acronym
from borderline.screening.model import Entity, Name
from borderline.screening.prepare import prepare
from borderline.screening.qualifiers import DOB_EXACT, apply_qualifiers
from borderline.screening.similarity import contraction, token_similarity

SAME = [
    # An acronym of words of the other name (OFAC aliases of one entry).
    ("LLC PALFINGER KAMA CYLINDERS", "LLC PKC", "organization", "acronym"),
    # A name that carries its own acronym, against the acronym alone.
    ("Turbine Engineering Manufacturing (TEM)", "TEM", "organization", "exact"),
    # Abbreviations written without vowels.
    (
        "SEMICONDUCTOR MANUFACTURING INTERNATIONAL CORPORATION",
        "SEMICONDUCTOR MFG INTL CORP",
        "organization",
        "abbreviation",
    ),
    # A legal form left over on one side only: "CO., LTD." against "CO".
    ("COSTAR GROUP CO., LTD.", "COSTAR GROUP CO", "organization", "exact"),
    # One legal form spelled out and abbreviated.
    ("JSC TEMPBANK", "JOINT STOCK COMPANY TEMPBANK", "organization", "legal form"),
    # A rare one-word company name is all of a longer one.
    ("NETPOSA TECHNOLOGIES LIMITED", "NETPOSA", "organization", "exact"),
    # The Arabic article joined as "ud"/"ud-din" in a Latin spelling.
    ("SHAMSUDDIN", "شمس الدين", "person", "arabic"),
    # "trade" is a spelling of the descriptive "trading".
    ("ISMAIL GENERAL TRADING", "ISMAIL FOR GENERAL TRADE", "organization", "legal form"),
]


@pytest.mark.parametrize(("a", "b", "kind", "how"), SAME)
def test_aliases_of_one_entry_match(a: str, b: str, kind: str, how: str) -> None:
    r = compare(a, b, kind)
    assert r.match, r.explanation
    assert f"({how} " in r.explanation


DIFFERENT = [
    # Two names that each carry their own acronym: both acronyms and both sets of words count.
    ("Iran Composites Institute (ICI)", "Iran Communications Industries (ICI)", "organization"),
    # Two different legal forms left over tell two companies of one group apart.
    ("JSC ENERGIES", "LIMITED LIABILITY COMPANY ARCTIC ENERGIES", "organization"),
    # A legal form is like another word only when written alike ("SAS" is no typo of "SAD").
    ("Lopez Import Export S.A.S.", "SAD IMPORT EXPORT COMPANY", "organization"),
    # A one-word name that is a given or family name does not lead, either side.
    ("Ali", "ALI, Mohammad Hasan", "person"),
    ("Sayed Shamsuddin Borborudi", "SHAMSUDDIN", "person"),
    # A descriptive word left over still counts.
    ("Nordic Textiles Ltd", "NORDIC TRADING LTD", "organization"),
]


@pytest.mark.parametrize(("a", "b", "kind"), DIFFERENT)
def test_other_names_do_not_match(a: str, b: str, kind: str) -> None:
    r = compare(a, b, kind)
    assert r.score < THRESHOLD, r.explanation


def test_initials_skip_stop_words() -> None:
    assert initials("ministry of peoples security") == "mps"
    assert initials("bank") == ""
    assert token_similarity("pkc", "palfinger kama cylinders") == (0.9, "acronym")
    assert token_similarity("pkc", "palfinger kama") == (0.0, "none")


def test_own_acronym_forms() -> None:
    p = prepare("Turbine Engineering Manufacturing (TEM)", "organization")
    words, acronym = without_own_acronym(p)
    assert words.tokens == ("turbine", "engineering", "manufacturing")
    assert acronym.tokens == ("tem",)
    assert without_own_acronym(prepare("Vladimir Putin", "person")) == ()


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("shpg", "shipping", True),
        ("mfg", "manufacturing", True),
        ("intl", "international", True),
        ("mhd", "mohammed", True),
        ("tech", "technology", False),  # a vowel: a truncation, not a contraction
        ("smt", "smith", False),  # too little left out
        ("mfg", "manufacture", False),  # the last letters differ
    ],
)
def test_contraction(a: str, b: str, same: bool) -> None:
    assert contraction(a, b) is same


def test_a_year_of_birth_alone_half_backs_a_common_name() -> None:
    listed = Entity(
        list="x",
        source_id="1",
        kind=EntityKind.PERSON,
        names=(Name("ALI, Abu"),),
        dobs=(PartialDate(1976),),
    )
    common = dict(kind=EntityKind.PERSON, info=4.0, missing=0.0)
    _, same_year = apply_qualifiers(1.0, listed, dob=PartialDate(1976, 5, 11), **common)
    _, exact = apply_qualifiers(
        1.0,
        Entity(
            list="x",
            source_id="1",
            kind=EntityKind.PERSON,
            names=(Name("ALI, Abu"),),
            dobs=(PartialDate(1976, 5, 11),),
        ),
        dob=PartialDate(1976, 5, 11),
        **common,
    )
    year_penalty = next(q for q in same_year if q.name == "common name")
    assert year_penalty.delta < 0 and "only in the year" in year_penalty.detail
    assert not any(q.name == "common name" for q in exact)
    assert any(q.name == "dob" and q.delta == DOB_EXACT for q in exact)
