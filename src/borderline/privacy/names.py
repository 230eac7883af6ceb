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
from borderline.privacy.gazetteer import CAP_RUN, PARTICLE, STOP_WORDS, lists
from borderline.refdata import all_countries

# Greetings and closings a name follows ("Hi Bartholomew,", "Bonjour Amélie", "Cheers, Tom").
GREETINGS = (
    r"\bhi|\bhello|\bhey|\bdear|\bcheers|\bbest|\bbonjour|\bbonsoir|\bsalut|\bcher|"
    r"\bchère|\bcordialement|\bhola|\bestimad[oa]|\bquerid[oa]|\bsaludos|\batentamente|"
    r"\bhallo|\bliebe[r]?|\bgrüße|\bciao|\bbuongiorno|\bgentile|\bsaluti|\bolá|\boi|"
    r"\bprezad[oa]|\batenciosamente|\bobrigad[oa]"
)
# Phrases that introduce a person's own name in free text.
_PERSON_INTRO = re.compile(
    r"(?i)(?:\bmy name is|\bmy name's|\bname is|\bi am|\bi'm|\bi’m|\bthis is|\bcall me|"
    r"\bnamed|\bcalled|\bsigned|\bregards,?|\bthanks,?|\bsincerely,?|\bsent by|"
    r"\bcontact|\bcustomer|\bhe is|\bshe is|\bspeak to|\bask for|\bme llamo|\bsoy|"
    r"\bich bin|\bich heiße|\bmein name ist|\bje suis|\bje m'appelle|\bmon nom est|"
    r"\bc/o|\bcare of|" + GREETINGS + r")"
    r"\s*[:,]?\s*$"
)
# The same phrases anywhere in a text, followed by the name's first letter.
_PERSON_INTRO_ANY = re.compile(_PERSON_INTRO.pattern.removesuffix("$") + r"(?=\S)")
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
    # French place names joined by a hyphen: "Boulogne-sur-Mer", "Châlons-en-Champagne",
    # "Saint-Étienne", "Aix-les-Bains" (a person's double name has no "sur", "en", "les").
    r"|(?<![\w'’\-])(?:Saint|Sainte|[A-ZÀ-Þ][a-zà-ÿ]+-(?:sur|sous|lès|les|la|le|en|de|du|des|"
    r"aux|d'|l'))-[A-ZÀ-Þ][a-zà-ÿ]+(?:-[A-ZÀ-Þ][a-zà-ÿ]+)?(?![\w'’\-])"
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
# Two surnames joined by a hyphen after a workplace word: a firm ("works at Garcia-Roberts");
# elsewhere a double-barrelled surname ("Catherine Zeta-Jones").
_HYPHEN_FIRM = re.compile(r"(?<![\w'’\-])([A-Z][a-z]+)-([A-Z][a-z]+)(?![\w'’\-])")
_WORKPLACE = re.compile(
    r"(?i)\b(?:work(?:s|ed|ing)? (?:at|for)|employ(?:er|ed by)(?: is)?|company|firm|"
    r"supplier|vendor|contractor|invoice from|billed by|merchant|seller)\s*:?\s*$"
)
_THE_BEFORE = re.compile(r"(?i)\bthe $")
# Ranks, offices and forms of address before a name ("Captain Newell Beaty", "Père Martin");
# Mr/Mrs/Herr/Mme … are the gazetteer's titles.
_RANKS = (
    "Captain|Capt|Colonel|Col|General|Gen|Major|Maj|Lieutenant|Lt|Sergeant|Sgt|Admiral|Adm|"
    "Herrn|Commander|Cmdr|Brigadier|Corporal|Cpl|Private|Pte|Reverend|Rev|Father|Pastor|Rabbi|Imam|"
    "Professor|Doctor|Lord|Lady|Dame|Judge|Justice|Senator|Sen|President|Governor|Gov|Mayor|"
    "Minister|Mister|Monsieur|Madame|Mademoiselle|Señor|Señora|Señorita|Don|Doña|Dona|Signor|"
    "Signora|Dottore|Dottoressa|Dra|Srta|Sheikh|Prince|Princess|King|Queen|Count|Countess"
)
RANKS = _RANKS
_RANK = re.compile(rf"(?:{_RANKS})\.?")
_RANK_BEFORE = re.compile(rf"(?<![\w'’\-])(?:{_RANKS})\.? $")
# A given name with middle initials, or initials, before a surname ("Philip M. Drew",
# "C. H. Douglas", "J.R.R. Tolkien").
_INITIALS = re.compile(
    r"(?<![\w'’\-.])(?:([A-Z][a-zà-öø-ÿ]+) )?((?:[A-Z]\.[ ]?){1,3})"
    r"([A-Z][a-zà-öø-ÿ'’]+(?:-[A-Z][a-zà-öø-ÿ'’]+)?)(?![\w'’\-])"
)
_BIG_CITY = 100_000

SCORES = {
    "given_and_surname": 0.75,
    "intro_and_name": 0.8,
    "given_and_capitalised": 0.6,
    "rank_and_name": 0.8,
    "given_initials_surname": 0.9,
    "initials_surname": 0.75,
    "repeat": 0.7,
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
    ordinary: frozenset[str]  # words usually written in lower case ("hurt", "gift", "top")
    census: frozenset[str]  # given names and surnames from the US Census lists
    common_given: frozenset[str]  # the census's and the team's given names (not Faker's)


def _lines(name: str) -> Iterator[str]:
    path = Path(str(resources.files("borderline.privacy") / "data" / "gazetteers" / name))
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            yield line


@cache
def stats() -> _Stats:
    curated = lists()
    census = frozenset(
        n.casefold() for f in ("census_given_names.txt", "census_surnames.txt") for n in _lines(f)
    )
    given = frozenset(n.casefold() for n in _lines("faker_given_names.txt"))
    surnames = frozenset(n.casefold() for n in _lines("faker_surnames.txt"))
    common_given = curated.given | frozenset(n.casefold() for n in _lines("census_given_names.txt"))
    given = given | common_given
    surnames = (
        surnames | curated.surnames | frozenset(n.casefold() for n in _lines("census_surnames.txt"))
    )
    cities: dict[str, tuple[str, int]] = {}
    for line in _lines("geonames_cities.tsv"):
        name, cc, pop = line.split("\t")
        cities[name] = (cc, int(pop))
    places = {c.casefold() for c in cities} | {c.name.casefold() for c in all_countries()}
    ordinary = frozenset(_lines("ordinary_words.txt"))
    longest = max(len(c.split()) for c in cities)
    return _Stats(
        given, surnames, cities, longest, frozenset(places), ordinary, census, common_given
    )


def implausible(text: str, e: Entity) -> bool:
    """A hand-written list's match that reads as an ordinary word here: a lone city name that
    is an ordinary word ("Nice!") with no place word before it or region after it, or a
    "name" after a context word or title that holds an ordinary word ("from Tribute Album")."""
    st = stats()
    value = text[e.start : e.end]
    if e.recognizer == "location_gazetteer" and " " not in value:
        return (
            value.casefold() in st.ordinary
            and _PLACE_INTRO.search(text[max(0, e.start - 20) : e.start]) is None
            and _REGION_AFTER.search(text[e.end : e.end + 30]) is None
        )
    if e.recognizer == "person_gazetteer" and any(
        w in e.explanation
        for w in ("capitalised words after context", "title before capitalised words")
    ):
        words = [w.casefold() for w in value.split()]
        return any(w in st.ordinary and w not in st.given and w not in st.surnames for w in words)
    return False


def _lists_of(names: list[str], st: _Stats) -> str:
    """Which name lists hold these names, for the explanation."""
    if all(n in st.census for n in names):
        return "US Census"
    return "US Census and Faker" if any(n in st.census for n in names) else "Faker"


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
    out += _initials(text, st)
    out += _lower_case(text, st)
    return out


# "my name is john smith", "regards, anna kowalska": a listed given name and surname in lower
# case, only right after an introduction (lower-case text has no other clue).
_LOWER_NAME = re.compile(r"(?<![\w'’\-])[a-zà-öø-ÿ]{2,}(?: [a-zà-öø-ÿ'’\-]{2,}){1,2}(?![\w'’\-])")


def _lower_case(text: str, st: _Stats) -> Iterator[Entity]:
    if text.isupper() or not any(c.islower() for c in text):
        return
    for intro in _PERSON_INTRO_ANY.finditer(text):
        m = _LOWER_NAME.match(text, intro.end())
        if m is None:
            if (g := _LOWER_GREETED.match(text, intro.start())) is not None:
                yield from _greeted(text, g, st)
            continue
        words = m.group().split(" ")
        # Two words, or three with a listed middle name or surname ("maria del carmen").
        for n in (3, 2):
            if len(words) < n:
                continue
            first, last = words[0], words[n - 1]
            if first in st.given and last in st.surnames and first not in st.ordinary:
                if last in st.ordinary or first in STOP_WORDS or last in STOP_WORDS:
                    continue
                end = m.start() + len(" ".join(words[:n]))
                yield Entity(
                    "PERSON",
                    m.start(),
                    end,
                    SCORES["intro_and_name"],
                    f"name statistics: listed given name and surname in lower case "
                    f"({_lists_of([first, last], st)}); context '{intro.group().strip()}'",
                    "person_stats",
                )
                break


def _greeted(text: str, m: re.Match[str], st: _Stats) -> Iterator[Entity]:
    """ "hi priya,": one listed given name in lower case between a greeting and a comma."""
    name = m.group(1)
    if name in st.common_given and name not in st.ordinary and name not in STOP_WORDS:
        yield Entity(
            "PERSON",
            m.start(1),
            m.end(1),
            SCORES["intro_and_name"],
            f"name statistics: listed given name in lower case after a greeting; "
            f"context '{text[m.start() : m.start(1)].strip(' ,')}'",
            "person_stats",
        )


_LOWER_GREETED = re.compile(
    rf"(?<![\w])(?i:{GREETINGS})\s*,?\s+([a-zà-öø-ÿ]{{2,}})(?=\s*(?:[,!.?\n]|$))"
)


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
        if word in st.given or word in st.surnames or word in STOP_WORDS or word in st.ordinary:
            continue  # "Washington", "Sutherland": a person's name as often
        yield Entity(
            "LOCATION",
            m.start(),
            m.end(),
            SCORES["place_shape"],
            "pattern:place name: a toponymic ending",
            "location_shape",
        )
    for m in _HYPHEN_FIRM.finditer(text):
        ctx = _WORKPLACE.search(text, max(0, m.start() - 25), m.start())
        if ctx and m.group(1).casefold() in st.surnames and m.group(2).casefold() in st.surnames:
            yield Entity(
                "ORGANIZATION",
                m.start(),
                m.end(),
                SCORES["firm"],
                f"name statistics: surnames joined by a hyphen as a firm name; context "
                f"'{ctx.group().strip()}'",
                "organization_firm",
            )
    for m in _FIRM.finditer(text):
        names = [m.group(1), *m.group(2).split(", ")[1:], m.group(3)]
        # Faker's given names hold surnames of other countries ("Baker"): the census's decide.
        given = sum(n.casefold() in st.common_given for n in names)
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
    while i < j and PARTICLE.fullmatch(words[i]):
        i += 1  # "Retoure von Herrn …": a name does not open with "von"
    # "Refund Zainab Oyelaran": a capitalised word before a listed given name is not the name.
    while (
        j - i > 2
        and words[i].casefold() not in st.given
        and words[i].casefold() not in st.surnames
        and words[i + 1].casefold() in st.given
        and words[i + 1][0].isupper()
        and not _RANK.fullmatch(words[i])
    ):
        i += 1
    rank = None
    if j - i >= 2 and _RANK.fullmatch(words[i]):
        rank, i = words[i], i + 1  # "Captain Newell Beaty": the rank is not the name
    start, end = offsets[i][0], offsets[j - 1][1]
    names = [w.casefold() for w in words[i:j]]
    if rank is None and (m := _RANK_BEFORE.search(text, max(0, start - 15), start)):
        rank = m.group().strip()
    shouted = all(w.isupper() for w in words[i:j] if len(w) > 1)
    ordinary = [n in st.ordinary and not PARTICLE.fullmatch(n) for n in names]
    intro = None if shouted else _PERSON_INTRO.search(text[max(0, start - 30) : start])
    listed = names[0] in st.given or names[-1] in st.surnames
    # "the Stanley Cup", "the Alfred Phillips House": a name after "the" is a thing's.
    article = _THE_BEFORE.search(text, max(0, start - 4), start) is not None
    if article and intro is None:
        return None
    if (
        rank is not None
        and j - i <= 3
        and (names[0] in st.given or names[-1] in st.surnames)
        and not any(ordinary)
        and not shouted
    ):
        # "General Motors" is no general's name: the name after a rank must be a listed one.
        score, why = SCORES["rank_and_name"], f"listed name after '{rank}'"
    elif (
        j - i >= 2
        and names[0] in st.given
        and names[-1] in st.surnames
        # "Will Smith" is a name; "Bethany Strapless Top Low", "Star Wars Land" and "SO GOOD"
        # are not: in three words or more, or in capitals, no ordinary word at all.
        and not (any(ordinary) and (shouted or j - i >= 3))
    ):
        score = SCORES["given_and_surname"]
        why = f"given name and surname in name lists ({_lists_of([names[0], names[-1]], st)})"
    elif (
        intro is not None
        and (j - i >= 2 or listed)
        and j - i <= 4
        and not _PLACE_PREFIX.match(text, start)
    ):
        score, why = SCORES["intro_and_name"], "capitalised name after an introduction"
    elif (
        2 <= j - i <= 3
        and not shouted
        and names[0] in st.given
        and not any(ordinary)
        and not _not_a_name(words[i:j], text, start, st)
    ):
        # "Keisha Okafor": below the model's scores, so where it calls the run something
        # else, it wins.
        score = SCORES["given_and_capitalised"]
        why = f"given name ({_lists_of(names[:1], st)}) before a capitalised word"
    else:
        return None
    if intro is not None:
        score = min(1.0, score + SCORES["context_bonus"])
        why += f"; context '{intro.group().strip()}'"
    return Entity("PERSON", start, end, score, f"name statistics: {why}", "person_stats")


def _initials(text: str, st: _Stats) -> Iterator[Entity]:
    for m in _INITIALS.finditer(text):
        given, surname = m.group(1), m.group(3)
        if _THE_BEFORE.search(text, max(0, m.start() - 4), m.start()):
            continue
        if surname.casefold() in st.ordinary or surname.casefold() in STOP_WORDS:
            continue  # "U.S. Army", "D.C. Comics"
        if given is not None and given.casefold() in st.given:
            start, score, why = m.start(), SCORES["given_initials_surname"], "given name"
        elif surname.casefold() in st.surnames:
            start, score, why = m.start(2), SCORES["initials_surname"], "initials"
        else:
            continue
        yield Entity(
            "PERSON",
            start,
            m.end(),
            score,
            f"name statistics: {why}, initials and a listed surname"
            if why == "given name"
            else "name statistics: initials before a listed surname",
            "person_initials",
        )


def repeats(text: str, found: list[Entity]) -> list[Entity]:
    """Later (or earlier) mentions of a person found by full name: "Angela Carder … Carder
    herself", "Cabral came through the ranks"."""
    st = stats()
    people = [e for e in found if e.type == "PERSON" and " " in text[e.start : e.end].strip()]
    out: list[Entity] = []
    seen: set[str] = set()
    for p in people:
        words = text[p.start : p.end].split()
        for w in (words[-1], words[0]):
            w = w.strip(".,")
            key = w.casefold()
            if len(w) < 3 or key in seen or key in st.ordinary or key in STOP_WORDS:
                continue
            if not w[0].isupper() or _RANK.fullmatch(w):
                continue
            seen.add(key)
            for start, end in mentions(text, w):
                if any(e.start < end and start < e.end for e in found + out):
                    continue
                out.append(
                    Entity(
                        "PERSON",
                        start,
                        end,
                        SCORES["repeat"],
                        f"name statistics: the name of '{text[p.start : p.end]}' in this text",
                        "person_repeat",
                    )
                )
    return out


def mentions(text: str, word: str) -> Iterator[tuple[int, int]]:
    """Where ``word`` stands alone in ``text``: the spans ``(?<![\\w'’\\-])word(?![\\w\\-])``
    finds, without compiling a regex for every name (most names are new to ``re``'s cache)."""
    i = text.find(word)
    while i >= 0 and word:
        end = i + len(word)
        if not _joined(text[i - 1 : i], "'’-") and not _joined(text[end : end + 1], "-"):
            yield i, end
            i = text.find(word, end)
        else:
            i = text.find(word, i + 1)


def _joined(ch: str, extra: str) -> bool:
    # ``\w`` in a str pattern is str.isalnum() or "_".
    return ch != "" and (ch.isalnum() or ch == "_" or ch in extra)


def _not_a_name(words: list[str], text: str, start: int, st: _Stats) -> bool:
    """A run that is a listed city or has a place's shape ("Buenos Aires", "Lake Charles"), or
    that has a word in capitals ("Jordan NBA")."""
    return (
        " ".join(words) in st.cities
        or _PLACE_PREFIX.match(text, start) is not None
        or any(len(w) > 1 and w.isupper() for w in words)
    )


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
