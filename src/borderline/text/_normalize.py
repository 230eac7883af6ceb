"""Normalisation of names and short texts to comparable Latin tokens.

Transliteration uses the well-kept tables of ``anyascii`` (every script) and ``pypinyin``
(Chinese, whose anyascii output glues syllables together and so loses the surname boundary).
What is ours is only the glue: where a name's parts begin and end, and which characters are
punctuation rather than letters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import jellyfish
from anyascii import anyascii

# Characters deleted without leaving a gap, so that "O'Brien" stays one token and "S.A." folds
# to "sa"; every other non-alphanumeric character separates tokens.
_DELETE = str.maketrans("", "", ".'’‘`ʼʻ´\"")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_HANGUL_RUN = re.compile(r"[\uac00-\ud7af]+")
# The Arabic definite article written joined to the word: "التكريتي" is "al tikriti".
# "الله" (Allah) starts with the same two letters but is one word.
_ARABIC_ARTICLE = re.compile(
    r"(?<![\u0600-\u06ff])\u0627\u0644(?!\u0644\u0647(?![\u0600-\u06ff]))(?=[\u0600-\u06ff]{2})"
)

_ABJADS = frozenset({"arabic", "hebrew", "syriac", "thaana"})
_LATIN = frozenset({"latin"})


@lru_cache(maxsize=4096)
def _script_of(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return "unknown"
    first = name.split(" ", 1)[0]
    if first == "CJK":
        return "han"
    return first.lower()


def scripts(text: str) -> frozenset[str]:
    """The scripts of the letters in ``text``, e.g. ``{"latin", "cyrillic"}``."""
    if text.isascii():
        return _LATIN if any(c.isalpha() for c in text) else frozenset()
    found = {_script_of(ch) for ch in unicodedata.normalize("NFKC", text)}
    found.discard(None)
    return frozenset(s for s in found if s is not None)


def is_abjad(text: str) -> bool:
    """True when ``text`` is written (partly) in a script that usually omits vowels."""
    return not text.isascii() and bool(scripts(text) & _ABJADS)


def _east_asian_run(syllables: list[str]) -> str:
    # A run of 2-4 Han or Hangul syllables is most often a personal name: one surname syllable,
    # then a given name written as one word ("习近平" -> "xi jinping", as the press writes it).
    if 2 <= len(syllables) <= 4:
        return f" {syllables[0]} {''.join(syllables[1:])} "
    return " " + " ".join(syllables) + " "


def _han(match: re.Match[str]) -> str:
    # Imported on first Han text: its phrase tables take a fifth of a second to load, which
    # every cold ``borderline screen`` of a Latin-script name would otherwise pay.
    from pypinyin import lazy_pinyin

    return _east_asian_run([s.lower() for s in lazy_pinyin(match.group(0))])


# Korean family names as they are written in Latin letters in passports and sanctions lists,
# where the Revised Romanization of anyascii differs (김 is "Kim", not "Gim"). The twenty most
# common family names; given names keep the Revised Romanization.
_KOREAN_SURNAMES = {
    "김": "kim", "이": "lee", "박": "park", "최": "choi", "정": "jung", "강": "kang", "조": "cho",
    "윤": "yoon", "장": "jang", "임": "lim", "한": "han", "오": "oh", "서": "seo", "신": "shin",
    "권": "kwon", "황": "hwang", "안": "ahn", "송": "song", "류": "ryu", "홍": "hong",
}  # fmt: skip


def _hangul(match: re.Match[str]) -> str:
    run = match.group(0)
    syllables = [anyascii(ch).lower() for ch in run]
    if 2 <= len(run) <= 4 and run[0] in _KOREAN_SURNAMES:
        syllables[0] = _KOREAN_SURNAMES[run[0]]
    return _east_asian_run(syllables)


def transliterate(text: str) -> str:
    """Any script to ASCII Latin letters; case and punctuation are kept as far as possible."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    text = _HAN_RUN.sub(_han, text)
    text = _HANGUL_RUN.sub(_hangul, text)
    text = _ARABIC_ARTICLE.sub("\u0627\u0644 ", text)
    out = anyascii(text)
    return out


def normalize(text: str) -> str:
    """NFKC, transliterate, casefold, drop control characters and fold punctuation to spaces."""
    # Control characters separate words; format characters (zero-width joiners, bidi marks)
    # sit inside words and vanish.
    if not text.isprintable():
        text = "".join(
            " " if (cat := unicodedata.category(c)) == "Cc" else "" if cat == "Cf" else c
            for c in text
        )
    latin = transliterate(text).casefold().translate(_DELETE)
    # anyascii writes the Arabic article alone as "l"; restore the spelling people use.
    return " ".join("al" if t == "l" else t for t in _NON_ALNUM.split(latin) if t)


def tokens(text: str) -> list[str]:
    """The normalised tokens of ``text``."""
    return normalize(text).split()


@lru_cache(maxsize=65536)
def phonetic(token: str) -> str:
    """Metaphone key of one normalised token ("" for digits-only tokens)."""
    if not token or token.isdigit():
        return ""
    return str(jellyfish.metaphone(token))


_VOWELS = str.maketrans("", "", "aeiouyw")


@lru_cache(maxsize=65536)
def skeleton(token: str) -> str:
    """Consonant skeleton with doubled letters folded: "hussein" and "hsyn" both give "hsn"."""
    out: list[str] = []
    for ch in token.translate(_VOWELS):
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)
