"""People and places from public name statistics and a world gazetteer, with context words.

The entity model misses names it has not seen in a shape it knows ("my name is Keisha Okafor",
"I live in Tarragona"). Two public lists complement it:

- **US Census Bureau 1990 name files** (public domain): the given names of 90% of women and men
  (5,128 names) and the 18,839 surnames borne by at least 1 in 100,000 people.
- **GeoNames cities** of 15,000 people or more (CC BY 4.0): 32,051 names with their country and
  population.

Both are large enough to hold ordinary words ("Will", "Young", "Mobile", "Nice"), so a match
alone is weak evidence: a person needs a listed given name *and* a listed surname in one run of
capitalised words, or a context phrase before it ("my name is", "I'm", "signed"); a place needs
a context word before it ("live in", "ship to", "from"), a large population, or a region after
it ("Tarragona, Spain"). Every span says which list, which rule and which context fired it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from borderline.privacy.entities import Entity
from borderline.privacy.gazetteer import CAP_RUN, STOP_WORDS, lists
from borderline.refdata import all_countries

# Phrases that introduce a person's own name in free text.
_PERSON_INTRO = re.compile(
    r"(?i)(?:\bmy name is|\bmy name's|\bname is|\bi am|\bi'm|\bi’m|\bthis is|\bcall me|"
    r"\bnamed|\bcalled|\bsigned|\bregards,?|\bthanks,?|\bsincerely,?|\bsent by|"
    r"\bcontact|\bcustomer|\bhe is|\bshe is|\bspeak to|\bask for|\bme llamo|\bsoy|"
    r"\bich bin|\bich heiße|\bmein name ist|\bje suis|\bje m'appelle|\bmon nom est)"
    r"\s*[:,]?\s*$"
)
# Words before a place: where someone lives, ships to, comes from.
_PLACE_INTRO = re.compile(
    r"(?i)(?:\blive in|\blives in|\bliving in|\blived in|\bbased in|\bmoved to|\bmoving to|"
    r"\bship to|\bshipped to|\bdeliver to|\bdelivered to|\bsend to|\bsent to|\bborn in|"
    r"\bresident of|\blocated in|\bstaying in|\bfrom|\bin|\bnear|\bto|\bat|\bvisit|"
    r"\bvisiting|\bcity of|\bcity:|\btown:|\bciudad:?|\bville:?|\bstadt:?|\bwohne in|"
    r"\bj'habite à|\bvivo en)\s*(?:the\s+)?$"
)
_REGION_AFTER = re.compile(r"^,\s*[A-Z][A-Za-z]+|^,\s*[A-Z]{2}\b|^\s*\(")
# English place-name shapes: a compass or water word before a name ("East Lansing", "Lake
# Charles", "Port Arthur", "New Haven"), or one word ending in a toponymic suffix
# ("Portsmouth", "Jacksonville", "Edinburgh"). Not used when the word is a listed person's name.
_PLACE_PREFIX = re.compile(
    r"(?<![\w'’\-])(?:North|South|East|West|New|Lake|Port|Mount|Fort|Saint|St\.)"
    r" (?:[A-Z][a-z]+)(?![\w'’\-])"
)
_PLACE_SUFFIX = re.compile(
    r"(?<![\w'’\-])[A-Z][a-z]{2,}(?:mouth|burgh|borough|bury|ville|stad|town|haven|view|berg|"
    r"furt|shire|side|chester|fort|port|land)(?![\w'’\-])"
)
# Firms named after their partners: "Barnett, Conley and Baker", "Procter & Gamble" (not
# "Jesus, Joseph and Mary": people's given names).
_FIRM = re.compile(
    r"(?<![\w'’\-])([A-Z][a-z]+)((?:, [A-Z][a-z]+)*),? (?:and|&) ([A-Z][a-z]+)(?![\w'’\-])"
)
_BIG_CITY = 100_000

SCORES = {
    "given_and_surname": 0.75,
    "intro_and_name": 0.8,
    "context_bonus": 0.15,
    "city_big": 0.55,
    "city_small": 0.35,
    "city_context_bonus": 0.25,
    "place_shape": 0.7,
    "firm": 0.75,
}


@dataclass(frozen=True, slots=True)
class _Stats:
    given: frozenset[str]
    surnames: frozenset[str]
    cities: dict[str, tuple[str, int]]  # name -> (country, population)
    longest_city: int
    places_folded: frozenset[str]  # city and country names, case-folded


def _lines(name: str) -> Iterator[str]:
    path = Path(str(resources.files("borderline.privacy") / "data" / "gazetteers" / name))
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            yield line


@cache
def stats() -> _Stats:
    curated = lists()
    given = frozenset(n.casefold() for n in _lines("census_given_names.txt")) | curated.given
    surnames = frozenset(n.casefold() for n in _lines("census_surnames.txt")) | curated.surnames
    cities: dict[str, tuple[str, int]] = {}
    for line in _lines("geonames_cities.tsv"):
        name, cc, pop = line.split("\t")
        cities[name] = (cc, int(pop))
    places = {c.casefold() for c in cities} | {c.name.casefold() for c in all_countries()}
    return _Stats(given, surnames, cities, max(len(c.split()) for c in cities), frozenset(places))


def known_lowercase(etype: str, word: str) -> bool:
    """Whether a lone lower-case word is a listed name (PERSON) or place (LOCATION): the
    model, trained on tweets, reads "conor" and "paris" right, and "door" wrong."""
    st = stats()
    if etype == "PERSON":
        return word in st.given or word in st.surnames
    return word in st.places_folded


def find(text: str) -> list[Entity]:
    st = stats()
    out: list[Entity] = []
    for m in CAP_RUN.finditer(text):
        words = m.group().split(" ")
        offsets = []
        pos = m.start()
        for w in words:
            offsets.append((pos, pos + len(w)))
            pos += len(w) + 1
        person = _person(text, words, offsets, st)
        if person is not None:
            out.append(person)
        out += _places(text, words, offsets, st, person)
    out += _shapes(text, st)
    return out


def _shapes(text: str, st: _Stats) -> Iterator[Entity]:
    for m in _PLACE_PREFIX.finditer(text):
        yield Entity(
            "LOCATION",
            m.start(),
            m.end(),
            SCORES["place_shape"],
            f"pattern:place name: '{m.group().split()[0]}' before a name",
            "location_shape",
        )
    for m in _PLACE_SUFFIX.finditer(text):
        word = m.group().casefold()
        if word in st.given or word in st.surnames or word in STOP_WORDS:
            continue  # "Washington", "Sutherland": a person's name as often
        yield Entity(
            "LOCATION",
            m.start(),
            m.end(),
            SCORES["place_shape"],
            "pattern:place name: a toponymic ending",
            "location_shape",
        )
    for m in _FIRM.finditer(text):
        names = [m.group(1), *m.group(2).split(", ")[1:], m.group(3)]
        given = sum(n.casefold() in st.given for n in names)
        # Every part a surname, at most one a given name too: "Noah and Courtney" are people.
        if all(n.casefold() in st.surnames for n in names) and given <= 1:
            yield Entity(
                "ORGANIZATION",
                m.start(),
                m.end(),
                SCORES["firm"],
                "name statistics: surnames joined as a firm name (census surnames)",
                "organization_firm",
            )


def _person(
    text: str, words: list[str], offsets: list[tuple[int, int]], st: _Stats
) -> Entity | None:
    i, j = 0, len(words)
    while i < j and words[i].casefold() in STOP_WORDS:
        i += 1
    while j > i and words[j - 1].casefold() in STOP_WORDS:
        j -= 1
    if i >= j or any(w.casefold() in STOP_WORDS for w in words[i:j]):
        return None
    start, end = offsets[i][0], offsets[j - 1][1]
    names = [w.casefold() for w in words[i:j]]
    intro = _PERSON_INTRO.search(text[max(0, start - 30) : start])
    listed = names[0] in st.given or names[-1] in st.surnames
    if j - i >= 2 and names[0] in st.given and names[-1] in st.surnames:
        score, why = SCORES["given_and_surname"], "given name and surname in US Census name lists"
    elif (
        intro is not None
        and (j - i >= 2 or listed)
        and j - i <= 4
        and not _PLACE_PREFIX.match(text, start)
    ):
        score, why = SCORES["intro_and_name"], "capitalised name after an introduction"
    else:
        return None
    if intro is not None:
        score = min(1.0, score + SCORES["context_bonus"])
        why += f"; context '{intro.group().strip()}'"
    return Entity("PERSON", start, end, score, f"name statistics: {why}", "person_stats")


def _places(
    text: str,
    words: list[str],
    offsets: list[tuple[int, int]],
    st: _Stats,
    person: Entity | None,
) -> Iterator[Entity]:
    i = 0
    while i < len(words):
        for n in range(min(st.longest_city, len(words) - i), 0, -1):
            name = " ".join(words[i : i + n])
            hit = st.cities.get(name)
            if hit is None:
                continue
            start, end = offsets[i][0], offsets[i + n - 1][1]
            if person is not None and person.start <= start and end <= person.end:
                break  # "George Washington": the run is a person's name
            cc, pop = hit
            lone_word = n == 1 and (name.casefold() in STOP_WORDS or name.casefold() in st.given)
            intro = _PLACE_INTRO.search(text[max(0, start - 20) : start])
            region = _REGION_AFTER.search(text[end : end + 30])
            sentence_start = not text[:start].strip() or text[:start].rstrip()[-1] in ".!?:\n"
            big = pop >= _BIG_CITY and not lone_word and not (n == 1 and sentence_start)
            score = SCORES["city_big"] if big else SCORES["city_small"]
            why = f"GeoNames city ({cc}, population {pop:,})"
            if intro is not None:
                score += SCORES["city_context_bonus"]
                why += f"; context '{intro.group().strip()}'"
            if region is not None:
                score += SCORES["city_context_bonus"]
                why += "; a region or country after it"
            yield Entity(
                "LOCATION",
                start,
                end,
                min(score, 0.95),
                f"gazetteer:location: {why}",
                "location_geonames",
            )
            i += n - 1
            break
        i += 1
