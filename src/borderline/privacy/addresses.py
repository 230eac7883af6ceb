"""Whole postal addresses: a street line grown into the unit, city, region and postal code.

The street-line recognizers (``recognizers/common.yaml``: ``address_*``) find the part of an
address with the most evidence, "4417 Alder Creek Drive" or "Goethestraße 12a". A privacy
officer needs the whole address masked, so this module grows each street line over the
comma- or dash-separated parts around it while each part has an address shape:

- a unit ("Apt 4B", "Suite 300", "Flat 2", "#20-61", "Apto 12", "Bât. B"),
- a postal code of one of the main corridors (US ZIP, UK postcode, Canadian, Indian PIN,
  Brazilian CEP, Japanese 〒 code, 4-6 digit European codes) alone or beside a city,
- a region code ("IL", "SP") or a known country name,
- up to three capitalised words (a city, a district, a state name).

Capitalised words are weak evidence (a person's name after an address looks the same), so
at most one run of them may follow the last strong part. Spans other recognizers found right
next to the address (a city from the gazetteer, a postal code, a Japanese prefecture
address after its 〒 code) are merged into it. The grown span keeps the street line's
recognizer and says what it took in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import cache

from borderline.privacy.entities import Entity
from borderline.refdata import all_countries

_CAPW = r"[A-ZÀ-ÖØ-ÞĀ-Ž][\wÀ-ÿ'’.\-]*"
_UNIT = re.compile(
    r"(?i:(?:apt|apartment|unit|suite|ste|flat|floor|fl|room|rm|bldg|building|block|blk|"
    r"tower|wohnung|whg|etage|stock|bât|bat|appt|appartement|escalier|apto|apartamento|"
    r"sala|andar|piso|puerta|casa|bloco|lote|no|nr|h\.?\s?no|plot|door\s?no|piano|"
    r"appartamento|interno|scala|lokal|mieszkanie)\.?\s*#?\s*"
    r"[\w\-/]{1,8}(?:\s+(?:floor|fl|andar|piso|etage))?"
    r"|#\s?\d[\w\-/]{0,8}"
    r"|\d{1,3}(?:st|nd|rd|th)\s+(?:floor|fl)\.?)"
)
_POSTAL = (
    r"\d{5}(?:-\d{4})?"  # US ZIP, DE/FR/ES/IT 5 digits
    r"|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"  # UK postcode
    r"|[A-Z]\d[A-Z]\s?\d[A-Z]\d"  # Canada
    r"|\d{3}\s?\d{3}"  # India PIN (6 digits, sometimes split)
    r"|\d{5}-\d{3}"  # Brazil CEP
    r"|〒?\s?\d{3}-\d{4}"  # Japan
    r"|\d{4}\s?[A-Z]{2}"  # Netherlands
    r"|\d{4}"  # AT/CH/BE/DK/AU …, only beside a city or a region code
)
_CITY = (
    rf"{_CAPW}(?:[ \-](?:de|da|do|dos|das|del|di|della|la|le|les|sur|sous|en|am|an|im|upon|on|"
    rf"De|Di|Del|Della)?[ \-]?{_CAPW}){{0,3}}"
)
_STRONG = [
    re.compile(rf"(?:{_POSTAL})"),
    re.compile(
        rf"(?:\d{{4,5}}|\d{{2}}-\d{{3}}|\d{{5}}-?\d{{3}})\s+{_CITY}(?:\s+(?:Cedex|CEDEX)(?:\s\d{{1,2}})?)?"
    ),
    re.compile(rf"{_CITY}\s+(?:{_POSTAL})"),
    re.compile(rf"(?:{_CITY}\s+)?[A-Z]{{2,3}}\.?\s+(?:{_POSTAL})"),
    re.compile(rf"{_CITY}\s*[-–]\s*[A-Z]{{2}}"),
    re.compile(r"[A-Z]{2}"),
]
_WEAK = re.compile(_CITY)
# Parts are separated by a comma, a line break, or a spaced dash (Brazilian style).
_SEP = re.compile(r"\s*(?:,|\n|\s[-–]\s)\s*|\s+")


@cache
def _countries() -> frozenset[str]:
    return frozenset(c.name.casefold() for c in all_countries()) | {
        "usa",
        "u.s.a.",
        "uk",
        "u.k.",
        "deutschland",
        "england",
        "scotland",
        "wales",
        "brasil",
        "brazil",
        "india",
        "china",
        "japan",
        "france",
        "germany",
        "united states",
        "united kingdom",
    }


def _kind(part: str) -> str | None:
    """``strong``, ``weak`` or None for one part after (or before) a street line."""
    if _UNIT.fullmatch(part):
        return "unit"
    if part.casefold().rstrip(".") in _countries():
        return "country"
    if any(rx.fullmatch(part) for rx in _STRONG):
        return "strong"
    if _WEAK.fullmatch(part) and len(part) <= 40:
        return "weak"
    return None


_PART = re.compile(
    # A full stop inside a part only after an abbreviation before a number ("Apt. 5").
    r"(?:,|\n|\s[-–]\s)?\s*((?:[^,\n.;:!?()]|\.(?=\s?[#\d]))+?)"
    r"(?=\s*(?:,|\n|\s[-–]\s|(?:[;:!?()]|\.(?!\s?[#\d]))(?:\s|$)|$))"
)
_MAX_WEAK_RUN = 3


def _grow_right(text: str, end: int) -> tuple[int, list[str]]:
    """Where the address ends after a street line ending at ``end``, and the parts' kinds."""
    parts: list[tuple[str, int]] = []  # (kind, end offset)
    pos, weak_run = end, 0
    for _ in range(8):
        m = _PART.match(text, pos)
        if m is None or m.end() - end > 120:
            break
        part = m.group(1)
        kind = _kind(part.strip())
        if kind is None:
            # "Springfield IL 62704 and the rest": keep the longest leading words that fit.
            words = part.split()
            for k in range(len(words) - 1, 0, -1):
                kind = _kind(" ".join(words[:k]))
                if kind is not None:
                    cut = m.start(1) + part.index(words[k - 1]) + len(words[k - 1])
                    parts.append((kind, cut))
                    break
            break
        weak_run = weak_run + 1 if kind == "weak" else 0
        if weak_run > _MAX_WEAK_RUN:
            break
        parts.append((kind, m.end()))
        pos = m.end()
    strong = [i for i, (k, _) in enumerate(parts) if k != "weak"]
    if strong:
        last = strong[-1]
        # One weak part may trail the last strong one ("…, 80336 München" has none; "…, SW1A
        # 2AA, London" has one).
        if last + 1 < len(parts):
            last += 1
    elif parts:
        last = 0  # the city right after the street line
    else:
        return end, []
    return parts[last][1], [k for k, _ in parts[: last + 1]]


_LEFT_UNIT = re.compile(
    # A unit word starts a word: "Armstrong, " must not read as "rm strong" (room).
    rf"(?:(?<![\w'’])(?:{_UNIT.pattern})\s*,?\s*)$"
    r"|(?:(?:[A-Z][\w'’\-]*\s){0,3}(?:Apartments|Residency|Towers|House|Building|Complex|"
    r"Heights|Court|Mansions|Plaza|Centre|Center)\s*,\s*)$"
)


def _grow_left(text: str, start: int) -> int:
    for _ in range(2):
        before = text[max(0, start - 60) : start]
        m = _LEFT_UNIT.search(before)
        if m is None or not m.group().strip():
            break
        start -= len(before) - m.start()
    return start


_KIND_WORDS = {
    "unit": "unit",
    "country": "country",
    "strong": "postal code or region",
    "weak": "city or district",
}
# Types an address may swallow: a city, a postal code, a street named after a person.
_PLACEISH = frozenset({"LOCATION", "POSTAL_CODE", "ADDRESS", "PERSON", "ORGANIZATION", "DATE_TIME"})


def inside_address(entities: Sequence[Entity]) -> list[Entity]:
    """Drop names and places found inside a street line ("Alder Creek" in "4417 Alder Creek
    Drive"): the street line is the stronger reading of those words."""
    streets = [e for e in entities if e.type == "ADDRESS"]
    return [
        e
        for e in entities
        if e.type == "ADDRESS"
        or e.type not in _PLACEISH
        or not any(a.start <= e.start and e.end <= a.end for a in streets)
    ]


def grow(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """Non-overlapping entities, each street-line ADDRESS grown to the whole address around
    it; what the grown address now covers (a city, a postal code) is part of it."""
    out: list[Entity] = []
    others = [e for e in entities if e.type != "ADDRESS"]
    for e in entities:
        if e.type != "ADDRESS":
            continue
        end, kinds = _grow_right(text, e.end)
        end = _trim_end(text, e.end, end)
        start = _grow_left(text, e.start)
        clash = [
            o
            for o in others
            if o.start < end and start < o.end and not (e.start <= o.start and o.end <= e.end)
        ]
        if any(o.type not in _PLACEISH for o in clash):
            start, end = e.start, e.end  # a phone or an e-mail next to it: do not swallow it
        if (start, end) == (e.start, e.end):
            out.append(e)
            continue
        covered = {id(o) for o in clash}
        others = [o for o in others if id(o) not in covered]
        parts = [_KIND_WORDS[k] for k in kinds]
        why = e.explanation + "; whole address: street line"
        if start < e.start:
            why += " + unit or building before it"
        if parts:
            why += " + " + ", ".join(parts) + " after it"
        out.append(replace(e, start=start, end=end, explanation=why))
    return merge_adjacent(text, out + others)


def _trim_end(text: str, floor: int, end: int) -> int:
    while end > floor and text[end - 1] in " ,\n-–":
        end -= 1
    return end


_GAP = re.compile(
    r"[\s,\-–/]{0,3}(?:(?:邮编|邮政编码|郵便番号|PLZ|CEP|ZIP|[Zz]ip|Postcode|PIN)[:：]?\s?)?"
)
_JOIN = frozenset({"LOCATION", "POSTAL_CODE"})


def merge_adjacent(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """Join an ADDRESS with a city or postal code right before or after it."""
    ents = sorted(entities, key=lambda e: (e.start, e.end))
    out: list[Entity] = []
    for e in ents:
        if out:
            prev = out[-1]
            gap = text[prev.end : e.start]
            joinable = (prev.type == "ADDRESS" and e.type in _JOIN | {"ADDRESS"}) or (
                e.type == "ADDRESS" and prev.type == "POSTAL_CODE"
            )
            if joinable and e.start >= prev.end and _GAP.fullmatch(gap):
                base = prev if prev.type == "ADDRESS" else e
                other = e if base is prev else prev
                out[-1] = replace(
                    base,
                    start=prev.start,
                    end=max(prev.end, e.end),
                    score=max(prev.score, e.score),
                    explanation=f"{base.explanation}; with adjacent {other.type} "
                    f"({other.recognizer or 'pattern'})",
                )
                continue
        out.append(e)
    return out
