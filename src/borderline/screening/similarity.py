"""How alike two normalised tokens are, and how that was found (explained in every score).

Exact, initial, edit distance (optimal string alignment), romanisation folding, Metaphone and,
for names written in an abjad script, the consonant skeleton.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz.distance import OSA

from borderline.text import phonetic, skeleton

# Romanisation folding: the same name written by different transliteration habits
# ("dzhose"/"jose", "khaitani"/"haitani", "kyu"/"kiu", "compani"/"company").
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
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("y", "i"),
    ("w", "v"),
    ("q", "k"),
    ("x", "ks"),
)


@lru_cache(maxsize=65536)
def fold(token: str) -> str:
    """A romanisation-insensitive key of one token (doubled letters collapsed)."""
    for a, b in _FOLDS:
        if a in token:
            token = token.replace(a, b)
    out: list[str] = []
    for ch in token:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def token_similarity(a: str, b: str, abjad: bool = False) -> tuple[float, str]:
    """Similarity of two normalised tokens in [0, 1] and how it was found."""
    if a == b:
        return 1.0, "exact"
    la, lb = len(a), len(b)
    if a.isdigit() or b.isdigit():
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
    # Sounding alike counts only for spellings that are also close in letters: Metaphone
    # alone would make "john" and "jane" (both JN) the same name.
    if best < 0.85 and min(la, lb) >= 3 and lev >= 0.55 and phonetic(a) == phonetic(b) != "":
        best, how = 0.85, "phonetic"
    if best < 0.8 and abjad and min(la, lb) >= 2 and skeleton(a) == skeleton(b):
        best, how = 0.8, "skeleton"
    return best, how
