"""How alike two normalised tokens are, and how that was found (explained in every score).

Exact, initial, edit distance (optimal string alignment), romanisation folding (``translit``),
abbreviations written without vowels (``abbreviation``: "shpg"/"shipping", v4), acronyms
(``acronym``, v4, see ``acronyms``),
Metaphone (``phonetic``), one given name in another language or a short form of it
(``given name``: Aleksandr/Oleksandr/Sasha, Robert/Bob), Korean romanisation systems
(``korean``: McCune-Reischauer "Chong" and Revised "Jong") and, for names written in an abjad
script, the Arabic consonant key (``arabic``: "Montazeri" and منتظری) or the bare consonant
skeleton.
"""

from __future__ import annotations

import csv
import re
from functools import cache, lru_cache
from importlib import resources

import yaml
from rapidfuzz.distance import OSA

from borderline.screening.acronyms import ACRONYM_SIMILARITY, could_be_acronym, initials
from borderline.screening.wadegiles import same_in_pinyin
from borderline.text import phonetic, skeleton

# Romanisation folding: the same name written by different transliteration habits
# ("dzhose"/"jose", "khaitani"/"haitani", "kyu"/"kiu", "compani"/"company"), Russian ones
# included ("Yevgeniy"/"Evgenij", "Artyom"/"Artem" once "y" is "i").
_FOLDS = (
    ("shch", "sh"),
    ("dzh", "j"),
    ("zh", "j"),
    ("dj", "j"),
    ("kh", "h"),
    ("ck", "k"),
    ("ph", "f"),
    ("tz", "ts"),
    ("sch", "sh"),
    ("tch", "ch"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("y", "i"),
    ("w", "v"),
    ("q", "k"),
    ("x", "ks"),
)
# After the folds: a Russian "ye"/"e" at the start, "-iy"/"-ij" at the end, "j" after a vowel
# (Sergej) and "yo" inside a word (Pyotr/Petr) are each one spelling.
_SLAVIC = (
    (re.compile(r"^ie"), "e"),
    (re.compile(r"(?<=[aeiou])j"), "i"),
    (re.compile(r"(?<=\w)io(?=\w)"), "e"),
)


@lru_cache(maxsize=65536)
def fold(token: str) -> str:
    """A romanisation-insensitive key of one token (doubled letters collapsed)."""
    for a, b in _FOLDS:
        if a in token:
            token = token.replace(a, b)
    for pattern, repl in _SLAVIC:
        token = pattern.sub(repl, token)
    out: list[str] = []
    for ch in token:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


# --- Arabic consonant key -----------------------------------------------------------------
# Arabic and Persian letters as Latin romanisations write them and as ``anyascii`` renders
# them: both reduced to one consonant class per letter. ذ ض ظ are "dh", "d" or "z"; ث is "th"
# or "s"; ق is "q", "k" or "g"; ش is "sh" or, in French romanisations, "ch"; short vowels, و
# and ي (long vowels) and a final ة/ه are dropped, as the script itself often drops them.
_ARABIC_DIGRAPHS = (
    ("kh", "x"),
    ("gh", "g"),
    ("sh", "$"),
    ("ch", "$"),
    ("th", "s"),
    ("dh", "d"),
    ("ph", "f"),
)
_ARABIC_LETTERS = str.maketrans(
    {
        "z": "d",
        "q": "k",
        "c": "k",
        "g": "k",
        "p": "b",
        "e": None,
        "a": None,
        "i": None,
        "o": None,
        "u": None,
        "y": None,
        "w": None,
        "v": None,
    }
)


@lru_cache(maxsize=65536)
def arabic_key(token: str) -> str:
    """The consonant classes of a token as Arabic script would write it ("" if none)."""
    for a, b in _ARABIC_DIGRAPHS:
        if a in token:
            token = token.replace(a, b)
    token = token.translate(_ARABIC_LETTERS)
    if len(token) > 2 and token.endswith("h"):
        token = token[:-1]
    out: list[str] = []
    for ch in token:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


# --- Korean syllables ----------------------------------------------------------------------
# A romanised Korean syllable: initial consonant, vowel, final consonant. McCune-Reischauer
# writes unvoiced initials (Chong, Kim, Pak, Tae) where Revised Romanization writes voiced
# ones (Jong, Gim, Bak, Dae), "o"/"u" where it writes "eo"/"eu", and "r"/"l"/"n"/"" at the
# start of a name (Ri, Li, Lee, Yi) are one sound: each is folded to one class.
_K_INITIAL = r"(kk|gg|ch|tch|ts|jj|tt|pp|bb|ss|sh|k|g|n|d|t|r|l|m|b|p|s|j|h|c|)"
_K_VOWEL = r"(yeo|yae|wae|weo|eui|yo|yu|ya|ye|ae|ai|eo|eu|oe|oo|wa|wo|we|wi|ui|ee|a|e|i|o|u)"
_K_FINAL = r"(ng|ck|k|g|n|l|r|m|p|b|t|d)?"
_KOREAN = re.compile(f"^{_K_INITIAL}{_K_VOWEL}{_K_FINAL}(?:{_K_INITIAL}{_K_VOWEL}{_K_FINAL})?$")
_K_INIT_CLASS = {
    "kk": "k", "gg": "k", "k": "k", "g": "k", "c": "c", "ch": "c", "tch": "c", "ts": "c", "jj": "c",
    "j": "c", "tt": "t", "t": "t", "d": "t", "pp": "p", "bb": "p", "b": "p", "p": "p", "ss": "s",
    "sh": "s", "s": "s", "n": "n", "r": "r", "l": "l", "m": "m", "h": "h", "": "",
}  # fmt: skip
_K_VOWEL_CLASS = {
    "eo": "o", "o": "o", "eu": "u", "u": "u", "oo": "u", "ae": "e", "ai": "e", "e": "e",
    "yeo": "yo", "yo": "yo", "yae": "ye", "ye": "ye", "wae": "we", "oe": "we", "we": "we",
    "weo": "wo", "wo": "wo", "eui": "ui", "ui": "ui", "ee": "i", "i": "i",
}  # fmt: skip
_K_FINAL_CLASS = {
    "ck": "k",
    "k": "k",
    "g": "k",
    "l": "l",
    "r": "l",
    "p": "p",
    "b": "p",
    "t": "t",
    "d": "t",
}


@lru_cache(maxsize=65536)
def korean_key(token: str) -> str:
    """One or two romanised Korean syllables in a system-independent form ("" otherwise)."""
    if len(token) > 7:
        return ""
    m = _KOREAN.match(token)
    if m is None:
        return ""
    out: list[str] = []
    for k in range(0, 6, 3):
        init, vowel, final = m.group(k + 1, k + 2, k + 3)
        if vowel is None:
            break
        # "Ri", "Li", "Lee", "Yi" and "I" are the family name 이/리: its only syllable.
        cls = _K_INIT_CLASS[init or ""]
        if cls in ("", "l", "r", "n") and vowel in ("i", "ee") and not final and m.group(5) is None:
            cls = "r"
        out.append(
            cls + _K_VOWEL_CLASS.get(vowel, vowel) + _K_FINAL_CLASS.get(final or "", final or "")
        )
    return ".".join(out)


# --- given names ---------------------------------------------------------------------------


@cache
def given_names() -> tuple[dict[str, frozenset[int]], frozenset[tuple[str, str]]]:
    """Spellings of one given name: East Slavic equivalents and short forms, each group one
    name (``data/given_names.yaml``); and English names with their nicknames (the
    ``nicknames`` package, Apache-2.0), as pairs only: "robert" is "bob" and "rob", but two
    nicknames of one name are not one name ("freddy" and "erik" both shorten "frederick")."""
    path = resources.files("borderline.screening") / "data" / "given_names.yaml"
    groups: dict[str, set[int]] = {}
    for gid, group in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]):
        for n in group:
            groups.setdefault(fold(str(n)), set()).add(gid)
    pairs: set[tuple[str, str]] = set()
    with (resources.files("nicknames") / "names.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            a, b = fold(row["name1"].strip().lower()), fold(row["name2"].strip().lower())
            # Two-letter short forms ("al", "ed") are words of other languages too.
            if len(a) >= 3 and len(b) >= 3 and a != b:
                pairs.update(((a, b), (b, a)))
    return {k: frozenset(v) for k, v in groups.items()}, frozenset(pairs)


def same_given_name(a: str, b: str) -> bool:
    """Whether two tokens are spellings or short forms of one given name."""
    groups, pairs = given_names()
    fa, fb = fold(a), fold(b)
    if (fa, fb) in pairs:
        return True
    ga, gb = groups.get(fa), groups.get(fb)
    return bool(ga and gb and ga & gb)


_VOWELS = frozenset("aeiouy")


def contraction(a: str, b: str) -> bool:
    """Whether one token is the other written without its vowels and some letters, as
    abbreviations are ("shpg"/"shipping", "mfg"/"manufacturing", "intl"/"international",
    "mhd"/"mohammed"): at least three letters, no vowel after the first, the same first and
    last letter, its letters in order in a word at least three letters longer."""
    short, long = (a, b) if len(a) < len(b) else (b, a)
    n = len(short)
    if n < 3 or len(long) < n + 3 or short[0] != long[0] or short[-1] != long[-1]:
        return False
    if any(ch in _VOWELS for ch in short[1:]) or not short.isalpha():
        return False
    pos = 1
    for ch in short[1:-1]:
        pos = long.find(ch, pos) + 1
        if pos == 0:
            return False
    return pos < len(long)


def token_similarity(a: str, b: str, abjad: bool = False) -> tuple[float, str]:
    """Similarity of two normalised tokens in [0, 1] and how it was found."""
    if a == b:
        return 1.0, "exact"
    if " " in a or " " in b:
        # Words joined because their initials spell an acronym of the other name.
        if " " not in b and could_be_acronym(b) and initials(a) == b:
            return ACRONYM_SIMILARITY, "acronym"
        if " " not in a and could_be_acronym(a) and initials(b) == a:
            return ACRONYM_SIMILARITY, "acronym"
        return 0.0, "none"
    la, lb = len(a), len(b)
    if a.isdigit() or b.isdigit():
        return 0.0, "none"
    # "abdul" (prepare's one spelling of "Abd al-") is half a name: it aligns only with itself,
    # never with "abdullah" or "abdo", which are whole names.
    if a == "abdul" or b == "abdul":
        return 0.0, "none"
    if (la == 1 and b[0] == a) or (lb == 1 and a[0] == b):
        return 0.7, "initial"
    best, how = 0.0, "none"
    # Optimal string alignment: a transposition ("hejrez"/"herjez") is one edit, not two.
    lev = OSA.normalized_similarity(a, b)
    if a[0] != b[0] and not (a[0] in "aeiou" and b[0] in "aeiou"):
        # Real typos rarely touch the first letter and different names often do; an initial
        # vowel is the exception (Osama/Usama, Omar/Umar, Ibrahim/Ebrahim).
        lev -= 0.1
    if min(la, lb) >= 4:
        if lev >= 0.7:
            best, how = lev, "edit"
    elif min(la, lb) == 3 and OSA.distance(a, b) == 1 and max(la, lb) <= 4 and a[0] == b[0]:
        best, how = 0.67, "edit"
    if best < 0.9 and min(la, lb) >= 3 and fold(a) == fold(b):
        best, how = 0.9, "translit"
    if best < 0.9 and min(la, lb) >= 3 and same_given_name(a, b):
        best, how = 0.9, "given name"
    if best < 0.9 and abjad and min(la, lb) >= 2:
        ka = arabic_key(a)
        if len(ka) >= 2 and ka == arabic_key(b):
            best, how = (0.9 if len(ka) >= 3 else 0.85), "arabic"
    # Sounding alike counts only for spellings that are also close in letters: Metaphone
    # alone would make "john" and "jane" (both JN) the same name.
    if best < 0.85 and min(la, lb) >= 3 and lev >= 0.55 and phonetic(a) == phonetic(b) != "":
        best, how = 0.85, "phonetic"
    if best < 0.85 and not abjad and contraction(a, b):
        best, how = 0.85, "abbreviation"
    if best < 0.85 and max(la, lb) <= 7 and (ka := korean_key(a)) and ka == korean_key(b):
        best, how = 0.85, "korean"
    if best < 0.85 and not abjad and min(la, lb) >= 2 and same_in_pinyin(a, b):
        best, how = 0.85, "wade-giles"
    if best < 0.8 and abjad and min(la, lb) >= 2 and skeleton(a) == skeleton(b):
        best, how = 0.8, "skeleton"
    return best, how
