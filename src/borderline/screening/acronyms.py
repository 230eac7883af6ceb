"""Acronyms and the names they stand for (algorithm v4).

Lists give an organisation under its name and its acronym, often both in one name
("Turbine Engineering Manufacturing (TEM)", "EASTERN TURKISTAN ISLAMIC MOVEMENT (ETIM)") and as
separate aliases ("LLC PALFINGER KAMA CYLINDERS" / "LLC PKC"). Two rules, each explained:

- **Across names**: a word of one name (3 to 8 letters) that spells the initials of two or more
  adjacent words of the other, stop words skipped ("pkc" and "palfinger kama cylinders"),
  aligns with them as one word (``acronym``, 0.90). Legal forms are left to align as legal
  forms.
- **Within a name**: a name that carries its own acronym beside the words it stands for says
  the same thing twice; scored against another name it is scored both without the acronym and
  without the words it stands for, and the better is kept ("Turbine Engineering Manufacturing
  (TEM)" / "TEM"). Not when the other name carries its own acronym too: then both acronyms and
  both sets of words are compared ("Iran Composites Institute (ICI)" is not "Iran
  Communications Industries (ICI)").
"""

from __future__ import annotations

from borderline.screening.prepare import DESCRIPTIVE, LEGAL, NORMAL, STOP, Prepared, vocabulary

ACRONYM_SIMILARITY = 0.9
_MIN, _MAX = 3, 8


def initials(words: str) -> str:
    """The initials of a joined span, stop words skipped ("ministry of peoples security" ->
    "mps"); "" for one word."""
    parts = words.split(" ")
    if len(parts) < 2:
        return ""
    stop = vocabulary().stop
    return "".join(w[0] for w in parts if w and w not in stop)


def could_be_acronym(token: str) -> bool:
    """3 to 8 letters, and not a legal form (``JSC`` is not "joint stock company" again)."""
    return _MIN <= len(token) <= _MAX and token.isalpha() and token not in vocabulary().legal


def acronyms_of(leftover: tuple[str, ...], other: Prepared) -> set[str]:
    """The words of ``leftover`` that could be acronyms of words of ``other``: each of their
    letters starts a word of ``other`` (a cheap test before looking for the words)."""
    firsts = {t[0] for t in other.tokens}
    return {t for t in leftover if could_be_acronym(t) and firsts.issuperset(t)}


def _spans(p: Prepared, acronyms: set[str]) -> list[tuple[int, int, str]]:
    """Spans [i, j) of ``p``'s words whose initials, stop words skipped, are one of
    ``acronyms``; a span starts and ends on a word that is not a stop word."""
    out: list[tuple[int, int, str]] = []
    n = len(p.tokens)
    longest = max((len(a) for a in acronyms), default=0)
    for i in range(n - 1):
        if p.roles[i] != NORMAL:
            continue
        letters = ""
        for j in range(i, n):
            if p.roles[j] == STOP:
                continue
            if p.roles[j] == LEGAL and p.canon[j] not in DESCRIPTIVE:
                break  # legal forms align as legal forms
            letters += p.tokens[j][0]
            if len(letters) > longest:
                break
            if len(letters) >= 2 and letters in acronyms:
                out.append((i, j + 1, letters))
    return out


def join_acronym_spans(p: Prepared, acronyms: set[str]) -> Prepared:
    """``p`` with each span whose initials are one of ``acronyms`` joined into one word (the
    words kept, separated by spaces, so the explanation names them)."""
    spans = _spans(p, acronyms)
    if not spans:
        return p
    toks, roles, weights, canon = list(p.tokens), list(p.roles), list(p.weights), list(p.canon)
    taken: set[int] = set()
    # Longest spans first; a word joins at most one span. Replace right to left.
    chosen: list[tuple[int, int]] = []
    for i, j, _ in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
        if taken.isdisjoint(range(i, j)):
            taken.update(range(i, j))
            chosen.append((i, j))
    for i, j in sorted(chosen, reverse=True):
        joined = " ".join(toks[i:j])
        w = max(weights[i:j])
        toks[i:j], canon[i:j], roles[i:j], weights[i:j] = [joined], [joined], [NORMAL], [w]
    return Prepared(p.text, tuple(toks), tuple(roles), tuple(weights), p.abjad, tuple(canon), p.org)


def _words_before(p: Prepared, k: int, n: int) -> int | None:
    """Start of the ``n`` words (stop words between them skipped) that end right before
    ``k``, if there are ``n`` such words and none is a legal form."""
    found, i = 0, k - 1
    while i >= 0 and found < n:
        if p.roles[i] == STOP:
            i -= 1
            continue
        if p.roles[i] == LEGAL and p.canon[i] not in DESCRIPTIVE:
            return None
        found += 1
        if found == n:
            return i
        i -= 1
    return None


def _words_after(p: Prepared, k: int, n: int) -> int | None:
    """End (exclusive) of the ``n`` words that start right after ``k``, as above."""
    found, j = 0, k + 1
    if j < len(p.tokens) and p.roles[j] == STOP:
        return None
    while j < len(p.tokens) and found < n:
        if p.roles[j] == STOP:
            j += 1
            continue
        if p.roles[j] == LEGAL and p.canon[j] not in DESCRIPTIVE:
            return None
        found += 1
        if found == n:
            return j + 1
        j += 1
    return None


def without_own_acronym(p: Prepared) -> tuple[Prepared, ...]:
    """If ``p`` carries its own acronym right after (or before) the words it stands for, the two
    shorter forms of it: without the acronym, and without the words. Otherwise ()."""
    toks = p.tokens
    if len(toks) < 3:
        return ()
    for k, t in enumerate(toks):
        if p.roles[k] != NORMAL or not _MIN <= len(t) <= _MAX or len(t) >= len(toks):
            continue
        if not could_be_acronym(t):
            continue
        span: tuple[int, int] | None = None
        if (i := _words_before(p, k, len(t))) is not None and _initials(p, i, k) == t:
            span = (i, k)
        elif (j := _words_after(p, k, len(t))) is not None and _initials(p, k + 1, j) == t:
            span = (k + 1, j)
        if span is not None:
            i, j = span
            keep_words = [x for x in range(len(toks)) if x != k]
            keep_acr = [x for x in range(len(toks)) if not i <= x < j]
            return tuple(_subset(p, keep) for keep in (keep_words, keep_acr))
    return ()


def _initials(p: Prepared, i: int, j: int) -> str:
    return "".join(p.tokens[x][0] for x in range(i, j) if p.roles[x] != STOP)


def _subset(p: Prepared, keep: list[int]) -> Prepared:
    return Prepared(
        p.text,
        tuple(p.tokens[x] for x in keep),
        tuple(p.roles[x] for x in keep),
        tuple(p.weights[x] for x in keep),
        p.abjad,
        tuple(p.canon[x] for x in keep),
        p.org,
    )


__all__ = [
    "ACRONYM_SIMILARITY",
    "acronyms_of",
    "could_be_acronym",
    "initials",
    "join_acronym_spans",
    "without_own_acronym",
]
