"""Name matching, algorithm ``v1``: token alignment weighted by rarity, then qualifiers.

The score of two names is built in three steps, each visible in the explanation:

1. **Prepare**: normalise and transliterate (``borderline.text``), fold legal forms to one
   spelling, weigh each token by its rarity in the lists (inverse document frequency frozen
   with this algorithm version), and give legal forms, stop words and honorifics a small weight.
2. **Align** query tokens to candidate tokens one to one (greedy on similarity): exact, initial,
   edit distance, Metaphone, consonant skeleton (for Arabic/Hebrew romanisations), and joined
   tokens ("abdul rahman" = "abdulrahman"). Order does not matter ("PUTIN, Vladimir").
3. **Score**: the weighted share of the query that aligned (60 %) and of the candidate (40 %),
   so missing middle names and patronymics cost little and a name made only of common words
   ("CORP", "EMMA LLC") cannot reach the threshold. At least one distinctive token must align
   closely, otherwise the score is 0.

Qualifiers (date of birth, country, entity type, identifiers) then move the name score up or
down; see ``apply_qualifiers``. ``v1`` is frozen: its constants and its frequency table never
change; a better algorithm gets a new version beside it.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml
from rapidfuzz.distance import OSA

from borderline.screening.model import Entity, EntityKind, Identifier, PartialDate
from borderline.text import is_abjad, normalize, phonetic, skeleton

ALGORITHM = "v2"
# Documented decision threshold: a match at or above it is reported as a hit.
THRESHOLD = 0.80
# Weights of legal forms, stop words and honorifics relative to a token of weight 1.
_LIGHT = 0.12
_IDF_MIN, _IDF_MAX = 1.0, 12.0
MAX_NAME_CHARS = 1000


@dataclass(frozen=True, slots=True)
class _Vocab:
    legal: dict[str, str]
    stop: frozenset[str]
    honorifics: frozenset[str]
    spaced: tuple[tuple[str, ...], ...]
    long: tuple[tuple[tuple[str, ...], str], ...]
    # The same sequences by first word, so preparing a name looks up only what can start here.
    long_by_first: dict[str, tuple[tuple[str, ...], ...]]
    spaced_by_first: dict[str, tuple[tuple[str, ...], ...]]


@cache
def vocabulary() -> _Vocab:
    path = resources.files("borderline.screening") / "data" / "vocabulary.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    legal: dict[str, str] = {}
    for canon, variants in raw["legal_forms"].items():
        for v in variants:
            legal[normalize(str(v))] = str(canon)
    spaced = tuple(
        sorted(
            (tuple(str(t) for t in seq) for seq in raw["spaced_legal_forms"]), key=len, reverse=True
        )
    )
    long = tuple(
        sorted(
            (
                (tuple(str(t) for t in seq), str(canon))
                for canon, seqs in raw["long_legal_forms"].items()
                for seq in seqs
            ),
            key=lambda x: len(x[0]),
            reverse=True,
        )
    )
    for _seq, canon in long:
        legal.setdefault(canon, canon)
    long_by_first: dict[str, list[tuple[str, ...]]] = {}
    for seq, _canon in long:
        long_by_first.setdefault(seq[0], []).append(seq)
    spaced_by_first: dict[str, list[tuple[str, ...]]] = {}
    for seq in spaced:
        spaced_by_first.setdefault(seq[0], []).append(seq)
    return _Vocab(
        long_by_first={k: tuple(v) for k, v in long_by_first.items()},
        spaced_by_first={k: tuple(v) for k, v in spaced_by_first.items()},
        long=long,
        legal=legal,
        stop=frozenset(str(s) for s in raw["stop_words"]),
        honorifics=frozenset(str(s) for s in raw["honorifics"]),
        spaced=spaced,
    )


@dataclass(frozen=True, slots=True)
class FrequencyTable:
    """How much a token tells: its rarity on the lists, capped by its commonness among people.

    ``df`` counts the listed names holding a token; ``population`` is the surprisal (in nats,
    ``-ln share``) of a given or family name among the people of the country where it is most
    common. A token rare on the lists but common among people (Smith, Zhang, Mohammed) weighs
    what its commonness says: finding it in a customer's name is weak evidence.
    """

    names: int
    df: dict[str, int]
    population: dict[str, float] = field(default_factory=dict)
    # The same for names published in an abjad script, by consonant skeleton (see _namefreq).
    skeletons: dict[str, float] = field(default_factory=dict)

    def idf(self, token: str) -> float:
        df = self.df.get(token, 1)
        value = math.log((self.names + 1) / (df + 0.5))
        pop = self.population.get(token)
        if pop is None and self.skeletons and len(sk := skeleton(token)) >= 3:
            pop = self.skeletons.get(sk)
        if pop is not None:
            value = min(value, pop)
        return min(max(value, _IDF_MIN), _IDF_MAX)


def _data_json(name: str) -> dict[str, Any] | None:
    path = resources.files("borderline.screening") / "data" / name
    try:
        raw: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    except FileNotFoundError:  # only while bootstrapping the table itself
        return None
    return raw


@cache
def frequencies() -> FrequencyTable:
    """The token frequencies frozen into this algorithm version: list document frequencies
    (from the shipped snapshot) and population name frequencies (see ``_namefreq``)."""
    raw = _data_json(f"token_freq_{ALGORITHM}.json.gz")
    pop = _data_json(f"name_freq_{ALGORITHM}.json.gz")
    return FrequencyTable(
        names=int(raw["names"]) if raw else 1,
        df={k: int(v) for k, v in raw["df"].items()} if raw else {},
        population={k: float(v) for k, v in pop["nats"].items()} if pop else {},
        skeletons={k: float(v) for k, v in pop.get("skeleton_nats", {}).items()} if pop else {},
    )


# Token roles.
NORMAL, LEGAL, STOP, HONORIFIC = 0, 1, 2, 3
# Light words that still describe what a company is: dropping one changes the name.
_DESCRIPTIVE = frozenset(
    {"holding", "group", "enterprise", "trading", "industries", "international"}
)
# Share of the score given to the better-covered of the two names.
COVER_MAIN = 0.6
# Patronymics and lineage words are dropped and added freely between documents ("Igor
# Yurievich ANTIPOV" / "ANTIPOV, Ihor"): they weigh this share of their rarity.
_PATRONYMIC = re.compile(
    r"^\w{2,}(?:ovich|evich|ovych|evych|ovna|evna|ivna|ogly|oglu|uly|kyzy|qizi)$"
)
_PATRONYMIC_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class Prepared:
    """A name ready for alignment: tokens, their roles and weights."""

    text: str
    tokens: tuple[str, ...]
    roles: tuple[int, ...]
    weights: tuple[float, ...]
    abjad: bool = False
    # Legal forms folded to one spelling ("limited" -> "ltd"); other tokens as they are.
    canon: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return " ".join(sorted(self.tokens))


def prepare(
    name: str, kind: EntityKind | str = EntityKind.UNKNOWN, table: FrequencyTable | None = None
) -> Prepared:
    """Normalise a name into weighted tokens. ``kind`` decides what counts as a honorific."""
    vocab = vocabulary()
    table = table or frequencies()
    toks = normalize(name).split()
    kind = EntityKind(kind) if kind not in ("any", "") else EntityKind.UNKNOWN
    # Fold "s a de c v" and similar spaced legal forms into one token.
    i, folded = 0, list[str]()
    # Words of a spelled-out legal form ("limited liability company") are each a legal-form
    # word: kept apart, so a typo or a reordering in one of them costs what a legal form costs.
    long_words: set[int] = set()
    while i < len(toks):
        for seq in vocab.long_by_first.get(toks[i], ()):
            if tuple(toks[i : i + len(seq)]) == seq and len(toks) > len(seq):
                long_words.update(range(len(folded), len(folded) + len(seq)))
                folded.extend(seq)
                i += len(seq)
                break
        else:
            for seq in vocab.spaced_by_first.get(toks[i], ()):
                if tuple(toks[i : i + len(seq)]) == seq and (i > 0):
                    folded.append("".join(seq))
                    i += len(seq)
                    break
            else:
                folded.append(toks[i])
                i += 1
    # Patronymic-shaped words are light, except a family name of that shape: never the first
    # word, and of two, the last is taken for the family name ("Aleksandr Viktorovych
    # YANUKOVYCH").
    light_patronymics: set[int] = set()
    if kind is not EntityKind.ORGANIZATION and len(folded) >= 3:
        shaped = [p for p, t in enumerate(folded) if p > 0 and _PATRONYMIC.match(t)]
        if len(shaped) > 1:
            shaped = [p for p in shaped if p != len(folded) - 1]
        light_patronymics.update(shaped)
    out_t: list[str] = []
    canon: list[str] = []
    roles: list[int] = []
    weights: list[float] = []
    for pos, tok in enumerate(folded):
        role = NORMAL
        can = tok
        # A lone token is the whole name, whatever it means elsewhere.
        if pos in long_words:
            can, role = vocab.legal.get(tok, tok), LEGAL
        elif kind is not EntityKind.PERSON and tok in vocab.legal and len(folded) > 1:
            can, role = vocab.legal[tok], LEGAL
        elif tok in vocab.stop:
            role = STOP
        elif tok in vocab.honorifics and len(folded) > 1:
            if kind is EntityKind.PERSON:
                continue
            role = HONORIFIC
        w = table.idf(tok)
        if pos in light_patronymics:
            w *= _PATRONYMIC_SHARE
        out_t.append(tok)
        canon.append(can)
        roles.append(role)
        weights.append(w * _LIGHT if role != NORMAL else w)
    return Prepared(
        text=name,
        tokens=tuple(out_t),
        roles=tuple(roles),
        weights=tuple(weights),
        abjad=is_abjad(name),
        canon=tuple(canon),
    )


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


@dataclass(frozen=True, slots=True)
class Alignment:
    query: str
    candidate: str
    similarity: float
    how: str


@dataclass(frozen=True, slots=True)
class NameScore:
    score: float
    alignments: tuple[Alignment, ...]
    unmatched_query: tuple[str, ...]
    unmatched_candidate: tuple[str, ...]
    # Evidence in the aligned distinctive tokens (nats): low for names shared by many people.
    info: float = 0.0
    # Share of the candidate's weight left unaligned: 0 when all of the listed name is matched.
    missing: float = 0.0


def _merge(a: Prepared, other: set[str]) -> Prepared:
    # Join adjacent tokens whose concatenation is one token of the other name:
    # "abdul rahman" vs "abdulrahman", "xi jin ping" vs "xi jinping"; or nearly one token:
    # "abd al aziz" joined is "abdalaziz", close enough to "abdelaziz" to be one word.
    toks = list(a.tokens)
    if len(toks) < 2 or not other:
        return a
    near: dict[str, list[str]] = {}
    for o in other:
        if len(o) >= 6:
            near.setdefault(o[0], []).append(o)
    roles, weights, canon = list(a.roles), list(a.weights), list(a.canon)
    i, changed = 0, False
    while i < len(toks) - 1:
        if toks[i] in other:
            i += 1
            continue
        # Up to four syllables: pinyin "guo dian xin" is the word "guodianxin".
        for span in (4, 3, 2):
            if i + span > len(toks):
                continue
            joined = "".join(toks[i : i + span])
            if joined in other or (
                len(joined) >= 6
                and any(
                    OSA.normalized_similarity(joined, o) >= 0.85 for o in near.get(joined[0], ())
                )
            ):
                toks[i : i + span] = [joined]
                canon[i : i + span] = [joined]
                roles[i : i + span] = [NORMAL]
                weights[i : i + span] = [max(weights[i : i + span]) * 1.2]
                changed = True
                break
        else:
            i += 1
    if not changed:
        return a
    return Prepared(a.text, tuple(toks), tuple(roles), tuple(weights), a.abjad, tuple(canon))


_SimCache = dict[tuple[str, str], tuple[float, str]]


def _joinable(tokens: tuple[str, ...], other: tuple[str, ...]) -> bool:
    """Whether two to four adjacent ``tokens`` joined could be as long as an ``other`` token
    (within the one letter ``_merge`` tolerates): a cheap test before the costly one."""
    lens = {len(o) for o in other if len(o) >= 4}
    if not lens:
        return False
    lo, hi = min(lens) - 2, max(lens) + 2
    for i in range(len(tokens) - 1):
        total = len(tokens[i])
        for k in range(i + 1, min(i + 4, len(tokens))):
            total += len(tokens[k])
            if lo <= total <= hi and any(abs(total - n) <= 2 for n in lens):
                return True
            if total > hi:
                break
    return False


def score_names(q: Prepared, c: Prepared, cache: _SimCache | None = None) -> NameScore:
    """Align two prepared names and score them in [0, 1] (no qualifiers)."""
    plain = _score(q, c, cache)
    uq, uc = plain.unmatched_query, plain.unmatched_candidate
    # Joining adjacent tokens can only help where two or more tokens of one name and one of
    # the other were left over; trying it only then keeps the common case cheap.
    if not ((len(uq) >= 2 and uc) or (len(uc) >= 2 and uq)):
        return plain
    mq = _merge(q, set(uc)) if len(uq) >= 2 and _joinable(q.tokens, uc) else q
    mc = _merge(c, set(uq)) if len(uc) >= 2 and _joinable(c.tokens, uq) else c
    if mq is q and mc is c:
        return plain
    merged = _score(mq, mc, cache)
    return merged if merged.score > plain.score else plain


def _score(q: Prepared, c: Prepared, cache: _SimCache | None) -> NameScore:
    abjad = q.abjad or c.abjad
    pairs: list[tuple[float, int, int, str]] = []
    for i, qt in enumerate(q.tokens):
        for j, ct in enumerate(c.tokens):
            if q.roles[i] == LEGAL and c.roles[j] == LEGAL and q.canon[i] == c.canon[j]:
                pairs.append((1.0, i, j, "legal form"))
                continue
            if cache is not None:
                key = (qt, ct)
                hit = cache.get(key)
                if hit is None:
                    hit = cache[key] = token_similarity(qt, ct, abjad)
            else:
                hit = token_similarity(qt, ct, abjad)
            if hit[0] > 0:
                pairs.append((hit[0], i, j, hit[1]))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_q: dict[int, tuple[float, int, str]] = {}
    used_c: set[int] = set()
    for sim, i, j, how in pairs:
        if i in used_q or j in used_c:
            continue
        used_q[i] = (sim, j, how)
        used_c.add(j)
    # An aligned pair counts on both sides with the lighter of its two weights: a typo'd
    # "compny" aligned to "company" weighs what a legal form weighs, not what an unseen (and
    # so maximally rare) token would; unaligned tokens keep their own weight.
    wq = sum(w for i, w in enumerate(q.weights) if i not in used_q)
    wc = sum(w for j, w in enumerate(c.weights) if j not in used_c)
    # What of the listed name is left over, legal forms aside ("PELENG" is all of "PELENG OAO").
    wc_left = sum(
        w
        for j, w in enumerate(c.weights)
        if j not in used_c and (c.roles[j] != LEGAL or c.canon[j] in _DESCRIPTIVE)
    )
    matched = 0.0
    info = 0.0
    strong = False
    aligned: list[Alignment] = []
    for i, (sim, j, how) in sorted(used_q.items()):
        w = min(q.weights[i], c.weights[j])
        wq += w
        wc += w
        matched += w * sim
        if q.roles[i] == NORMAL and c.roles[j] == NORMAL:
            # A typo does not make a name more common: a close alignment counts in full.
            info += w if sim >= 0.8 else w * sim
        if sim >= 0.8 and q.roles[i] == NORMAL and c.roles[j] == NORMAL:
            strong = True
        aligned.append(Alignment(q.tokens[i], c.tokens[j], round(sim, 3), how))
    score = 0.0
    if strong and wq > 0 and wc > 0:
        # The better-covered name counts 60 %, the other 40 %: a name written in full and its
        # short form ("Abdelhalim REMADNA" / "ABDELHALIM HAFED ABDELFATTAH REMADNA") align
        # whichever side is the short one; what the other side adds still costs.
        # A one-word listed name does not get the lead: "Martin" is not half of "David Martin".
        cq, cc = matched / wq, matched / wc
        hi, lo = (cc, cq) if cc > cq and sum(r == NORMAL for r in c.roles) >= 2 else (cq, cc)
        score = COVER_MAIN * hi + (1 - COVER_MAIN) * lo
    return NameScore(
        score=min(score, 1.0),
        alignments=tuple(aligned),
        unmatched_query=tuple(t for i, t in enumerate(q.tokens) if i not in used_q),
        unmatched_candidate=tuple(t for j, t in enumerate(c.tokens) if j not in used_c),
        info=info,
        missing=wc_left / wc if wc > 0 else 0.0,
    )


# --- qualifiers --------------------------------------------------------------------------

DOB_EXACT = 0.08
DOB_YEAR = 0.03
DOB_DISJOINT = -0.25
COUNTRY_MATCH = 0.04
COUNTRY_MISMATCH = -0.08
TYPE_MISMATCH = -0.30
IDENTIFIER_MATCH = 0.50
# Qualifiers only move a score once the names themselves look alike.
QUALIFIER_FLOOR = 0.5
# A name whose aligned tokens carry less evidence than this (nats; about "one person in
# 60,000 bears it") is common: without a date of birth or an identifier that agrees, its score
# drops by COMMON_RATE per missing nat, at most COMMON_MAX. "John Smith" carries about 6.7.
COMMON_INFO = 12.5
COMMON_RATE = 0.09
COMMON_MAX = 0.35
COMMON_MISSING = 0.02
COMMON_AGAINST = 1.5


@dataclass(frozen=True, slots=True)
class Qualifier:
    name: str
    delta: float
    detail: str


def _dob_qualifier(dob: PartialDate, dobs: tuple[PartialDate, ...]) -> Qualifier | None:
    if not dobs:
        return None
    best: Qualifier | None = None
    for d in dobs:
        lo, hi = d.year, d.to_year or d.year
        if not lo - 1 <= dob.year <= hi + 1:
            continue
        if lo <= dob.year <= hi:
            if (
                dob.month
                and d.month
                and dob.month == d.month
                and dob.day
                and d.day
                and dob.day == d.day
            ):
                return Qualifier("dob", DOB_EXACT, f"date of birth {dob} = {d}")
            if dob.month and d.month and dob.month != d.month:
                q = Qualifier("dob", 0.0, f"year of birth {dob.year} in {d}, month differs")
            else:
                q = Qualifier("dob", DOB_YEAR, f"year of birth {dob.year} in {d}")
        else:
            q = Qualifier("dob", 0.0, f"year of birth {dob.year} within a year of {d}")
        if best is None or q.delta > best.delta:
            best = q
    if best is None:
        listed = ", ".join(str(d) for d in dobs[:3])
        return Qualifier("dob", DOB_DISJOINT, f"date of birth {dob} far from listed {listed}")
    return best


_COMPATIBLE = {
    EntityKind.PERSON: {EntityKind.PERSON, EntityKind.UNKNOWN},
    # Vessels and aircraft are property of organisations and often share their names.
    EntityKind.ORGANIZATION: {
        EntityKind.ORGANIZATION,
        EntityKind.VESSEL,
        EntityKind.AIRCRAFT,
        EntityKind.UNKNOWN,
    },
    EntityKind.VESSEL: {EntityKind.VESSEL, EntityKind.ORGANIZATION, EntityKind.UNKNOWN},
    EntityKind.AIRCRAFT: {EntityKind.AIRCRAFT, EntityKind.ORGANIZATION, EntityKind.UNKNOWN},
}


def apply_qualifiers(
    score: float,
    entity: Entity,
    *,
    kind: EntityKind | None = None,
    country: str | None = None,
    dob: PartialDate | None = None,
    identifiers: tuple[Identifier, ...] = (),
    info: float | None = None,
    missing: float = 0.0,
    query_only: tuple[str, ...] = (),
) -> tuple[float, list[Qualifier]]:
    """Move a name score with what else is known; returns the new score and the reasons.

    ``info`` is the evidence in the aligned name tokens (``NameScore.info``); when given, a
    common name is marked down unless a date of birth or an identifier backs it up. For a
    listed person any common name is; for an organisation, vessel or aircraft only a partial
    match (``missing`` > 0): "Pacific Trading" against "INTERNATIONAL PACIFIC TRADING", not
    "Sberbank" against "SBERBANK", whose one word the lists repeat because they list its
    subsidiaries.

    ``query_only`` are the query's words no listed word aligned with: an organisation whose name
    only contains a vessel's or aircraft's ("Pacific Trading Ltd" against the ship "PACIFIC") is
    a company named like it, not the vessel, and counts as a type mismatch.
    """
    quals: list[Qualifier] = []
    if identifiers and entity.identifiers:
        keys = {i.key for i in entity.identifiers if len(i.key) >= 5}
        for ident in identifiers:
            if ident.key in keys:
                quals.append(
                    Qualifier(
                        "identifier", IDENTIFIER_MATCH, f"{ident.kind} {ident.value} is listed"
                    )
                )
                break
    if score >= QUALIFIER_FLOOR or quals:
        if (
            kind is not None
            and kind is not EntityKind.UNKNOWN
            and entity.kind not in _COMPATIBLE[kind]
        ):
            quals.append(
                Qualifier(
                    "type",
                    TYPE_MISMATCH,
                    f"query is a {kind.value}, entry is a {entity.kind.value}",
                )
            )
        elif (
            kind is EntityKind.ORGANIZATION
            and entity.kind in (EntityKind.VESSEL, EntityKind.AIRCRAFT)
            and query_only
        ):
            quals.append(
                Qualifier(
                    "type",
                    TYPE_MISMATCH,
                    f"query is an organization whose name only contains the "
                    f"{entity.kind.value}'s (query only: {' '.join(query_only)})",
                )
            )
        if dob is not None and (q := _dob_qualifier(dob, entity.dobs)) is not None:
            quals.append(q)
        if country and entity.countries:
            if country in entity.countries:
                quals.append(Qualifier("country", COUNTRY_MATCH, f"country {country} is linked"))
            else:
                quals.append(
                    Qualifier(
                        "country",
                        COUNTRY_MISMATCH,
                        f"country {country} not in {','.join(entity.countries)}",
                    )
                )
        backed = any(q.name == "identifier" or (q.name == "dob" and q.delta > 0) for q in quals)
        # A date of birth within a year of a listed one half backs a common name; a country the
        # entry is not linked to counts against it.
        near = any(q.name == "dob" and q.delta == 0 for q in quals)
        against = any(q.name == "country" and q.delta < 0 for q in quals)
        person = EntityKind.PERSON in (entity.kind, kind) and entity.kind in (
            EntityKind.PERSON,
            EntityKind.UNKNOWN,
        )
        partial = person or missing > COMMON_MISSING
        if info is not None and info < COMMON_INFO and partial and not backed:
            delta = -min(COMMON_MAX, (COMMON_INFO - info) * COMMON_RATE)
            delta *= (0.5 if near else 1.0) * (COMMON_AGAINST if against else 1.0)
            quals.append(
                Qualifier(
                    "common name",
                    round(delta, 3),
                    f"aligned tokens carry {info:.1f} nats (< {COMMON_INFO:.0f}): a name many "
                    "people share, not backed by a date of birth or identifier"
                    + ("; date of birth within a year" if near else "")
                    + ("; country not linked" if against else ""),
                )
            )
    total = score + sum(q.delta for q in quals)
    return min(max(total, 0.0), 1.0), quals


def explain(ns: NameScore, quals: list[Qualifier]) -> str:
    parts = [f"{a.query}={a.candidate}({a.how} {a.similarity:.2f})" for a in ns.alignments]
    text = "tokens: " + (", ".join(parts) or "none aligned")
    if ns.unmatched_query:
        text += "; query only: " + " ".join(ns.unmatched_query)
    if ns.unmatched_candidate:
        text += "; entry only: " + " ".join(ns.unmatched_candidate)
    for q in quals:
        text += f"; {q.name} {q.delta:+.2f} ({q.detail})"
    return text + f"; name score {ns.score:.3f}; algorithm {ALGORITHM}"


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The comparison of two names: ``score`` in [0, 1], ``match`` = score >= threshold."""

    score: float
    match: bool
    explanation: str
    alignments: tuple[Alignment, ...]
    algorithm: str = ALGORITHM
    threshold: float = THRESHOLD
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 4),
            "match": self.match,
            "explanation": self.explanation,
            "alignments": [
                {
                    "query": a.query,
                    "candidate": a.candidate,
                    "similarity": a.similarity,
                    "how": a.how,
                }
                for a in self.alignments
            ],
            "algorithm": self.algorithm,
            "threshold": self.threshold,
        }
