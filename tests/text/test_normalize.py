"""borderline.text: a table of real names in many scripts, and properties for any input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from borderline.text import is_abjad, normalize, phonetic, scripts, skeleton, tokens

CASES = [
    ("PUTIN, Vladimir Vladimirovich", ["putin", "vladimir", "vladimirovich"]),
    ("Владимир Путин", ["vladimir", "putin"]),
    ("ООО «Ромашка»", ["ooo", "romashka"]),
    ("Αλέξης Τσίπρας", ["alexis", "tsipras"]),
    ("习近平", ["xi", "jinping"]),
    (
        "中国电信股份有限公司",
        ["zhong", "guo", "dian", "xin", "gu", "fen", "you", "xian", "gong", "si"],
    ),
    ("김정은", ["kim", "jeongeun"]),  # family name as passports write it
    ("박근혜", ["park", "geunhye"]),
    ("صدام حسين التكريتي", ["sdm", "hsyn", "al", "tkryty"]),
    ("عبد الله", ["bd", "llh"]),
    ("ANGLO-CARIBBEAN CO., LTD.", ["anglo", "caribbean", "co", "ltd"]),
    ("O'Brien", ["obrien"]),
    ("S.A. de C.V.", ["sa", "de", "cv"]),
    ("Müller Straße", ["muller", "strasse"]),
    ("ＡＢＣ　Ｌｔｄ", ["abc", "ltd"]),
    ("a\x00b\u200bc", ["a", "bc"]),  # control character splits, zero-width space vanishes
    ("   ", []),
    ("!!!", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_tokens_table(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_scripts_and_abjad() -> None:
    assert scripts("Vladimir Путин") == {"latin", "cyrillic"}
    assert scripts("ＡＢＣ") == {"latin"}  # full-width forms are Latin after NFKC
    assert scripts("习近平") == {"han"}
    assert is_abjad("صدام") and is_abjad("שלום") and not is_abjad("Saddam")


def test_phonetic_and_skeleton() -> None:
    assert phonetic("mohammed") == phonetic("muhammad") == phonetic("mohamad")
    assert phonetic("1234") == ""
    assert skeleton("hussein") == skeleton("hsyn") == "hsn"
    assert skeleton("saddam") == "sdm"


@given(st.text(max_size=200))
def test_normalize_is_idempotent_and_plain(text: str) -> None:
    out = normalize(text)
    assert normalize(out) == out
    assert out == out.strip()
    assert "  " not in out
    assert all(c.isascii() and (c.isalnum() or c == " ") for c in out)
    assert out == out.lower()


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=100))
def test_tokens_never_empty_strings(text: str) -> None:
    assert all(tokens(text))
