"""Algorithm v3's rules, each on name pairs the lists themselves give as aliases of one entry
(development half of ``borderline.bench.screening_devset``) or as two different people."""

from __future__ import annotations

import pytest

from borderline.screening import THRESHOLD, compare
from borderline.screening.similarity import (
    arabic_key,
    korean_key,
    same_given_name,
    token_similarity,
)

SAME = [
    # Korean: McCune-Reischauer "Chong" and Revised Romanization "Jong" (OFAC aliases).
    ("PAEK, Jong Sam", "PAEK, Chong-sam", "person", "korean"),
    # Ukrainian and Russian forms of one given name.
    ("TSEKOV, Serhiy Pavlovich", "TSEKOV, Sergey Pavlovich", "person", "given name"),
    # A short form (Macedonian Sasho for Aleksandar).
    ("MIJALKOV, Sasho", "MIJALKOV, Alexander", "person", "given name"),
    # Russian romanisations of Евгений.
    ("GRININ, Yevgeniy Aleksandrovich", "GRININ, Evgenij Aleksandrovich", "person", "translit"),
    # Persian script against its romanisation: ظ is "z".
    ("Mohammad Jafar MONTAZERI", "محمد جعفر منتظری", "person", "arabic"),
    # "Abdul" and "Abd-al-" are one word.
    ("QUDSIYAH, Abdul Fatah", "QUDSIYAH, Abd-al-Fatah", "person", "exact"),
    # Serbian d.o.o. is a legal form.
    ("DOO BABUDOVAC BRNJAK", "BABUDOVAC BRNJAK", "organization", "exact"),
    # English nicknames (the nicknames package).
    ("Bob Smith", "Robert Smith", "person", "given name"),
    # The shorter name wholly inside the longer one.
    (
        "Uralvagonzavod",
        "OJSC Research and Production Corporation Uralvagonzavod",
        "organization",
        "exact",
    ),
]


@pytest.mark.parametrize(("a", "b", "kind", "how"), SAME)
def test_aliases_of_one_entry_match(a: str, b: str, kind: str, how: str) -> None:
    r = compare(a, b, kind)
    assert r.match, r.explanation
    assert f"({how} " in r.explanation


DIFFERENT = [
    # Two nicknames of Frederick are not one name.
    ("Freddy Arguelles", "Erik Arguelles", "person"),
    # "Abdul" is half a name: not "Abdullah".
    ("Abdullah Baloch", "RASHID BALOCH, Abdul", "person"),
    # Korean syllable classes do not make "Rama" and "Lama" one word.
    ("Rama Foods Ltd", "LAMA FOODS S.A.R.L.", "organization"),
]


@pytest.mark.parametrize(("a", "b", "kind"), DIFFERENT)
def test_other_names_do_not_match(a: str, b: str, kind: str) -> None:
    r = compare(a, b, kind)
    assert r.score < THRESHOLD, r.explanation


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("chong", "jong", True),
        ("cho", "jo", True),
        ("kyu", "gyu", True),
        ("ri", "lee", True),
        ("taesong", "daesong", True),
        ("rama", "lama", False),
        ("park", "bak", False),  # not a syllable: "rk" ends no Korean syllable
    ],
)
def test_korean_key(a: str, b: str, same: bool) -> None:
    assert (korean_key(a) != "" and korean_key(a) == korean_key(b)) is same


def test_arabic_key_folds_romanisations_of_one_letter() -> None:
    assert arabic_key("zulqadr") == arabic_key("dhwlqdr")  # ذ and ق
    assert arabic_key("tharwat") == arabic_key("thrwt")
    assert arabic_key("juma") == arabic_key("jmh")  # final ة
    # Only inside a name written in an abjad script.
    assert token_similarity("antonio", "antone", abjad=False)[1] != "arabic"


def test_given_names() -> None:
    assert same_given_name("oleksandr", "alexander")
    assert same_given_name("uladzimir", "vladimir")
    assert same_given_name("robert", "bob")
    assert not same_given_name("freddy", "erik")
    assert not same_given_name("sergey", "vladimir")
