"""Wade–Giles spellings of Mandarin names against their pinyin: the published syllable
correspondence, on names whose two spellings are a matter of record."""

import pytest

from borderline.screening import EntityKind
from borderline.screening.matcher import score_names as score
from borderline.screening.prepare import prepare
from borderline.screening.wadegiles import is_pinyin, pinyin_spellings, same_in_pinyin


@pytest.mark.parametrize(
    ("wade_giles", "pinyin"),
    [
        ("tsetung", "zedong"),  # Mao Tse-tung
        ("hsiaoping", "xiaoping"),  # Teng Hsiao-ping
        ("teng", "deng"),
        ("chou", "zhou"),  # Chou En-lai
        ("chinping", "jinping"),
        ("kuo", "guo"),
        ("chang", "zhang"),
        ("hsueh", "xue"),
        ("chih", "zhi"),
        ("szu", "si"),
        ("tzu", "zi"),
        ("yen", "yan"),
        ("erh", "er"),
        ("jen", "ren"),
        ("chiang", "jiang"),
        ("tung", "dong"),
    ],
)
def test_wade_giles_syllables_become_their_pinyin(wade_giles: str, pinyin: str) -> None:
    assert pinyin in pinyin_spellings(wade_giles)
    assert same_in_pinyin(wade_giles, pinyin) and same_in_pinyin(pinyin, wade_giles)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("chih", "ji"),  # chih is zhi or chi, never ji
        ("chi", "zhi"),  # chi is ji or qi
        ("kuo", "gue"),  # a vowel-initial syllable is written apart, not read inside a word
        ("chen", "zhan"),
        ("smith", "smith"),
        ("mohammed", "muhammad"),
    ],
)
def test_what_wade_giles_does_not_make_equal(a: str, b: str) -> None:
    assert not same_in_pinyin(a, b)


def test_pinyin_words_are_recognised() -> None:
    assert is_pinyin("zedong") and is_pinyin("xiaoping") and is_pinyin("guodianxin")
    assert not is_pinyin("mohammed") and not is_pinyin("smith")


@pytest.mark.parametrize(
    ("listed", "query"),
    [
        ("Mao Tse-tung", "Mao Zedong"),
        ("Teng Hsiao-ping", "Deng Xiaoping"),
        ("Chang Hsueh-liang", "Zhang Xueliang"),
        ("Kuo Tai-chi", "Guo Taiqi"),
    ],
)
def test_wade_giles_and_pinyin_spellings_of_a_name_match(listed: str, query: str) -> None:
    for a, b in ((listed, query), (query, listed)):
        result = score(prepare(a, EntityKind.PERSON), prepare(b, EntityKind.PERSON))
        assert result.score >= 0.8, (a, b, result)
        assert any(al.how == "wade-giles" for al in result.alignments)


def test_different_chinese_names_stay_apart() -> None:
    result = score(
        prepare("Chang Hsueh-liang", EntityKind.PERSON),
        prepare("Zhang Xiaoping", EntityKind.PERSON),
    )
    assert result.score < 0.8
