"""Preparing a name for alignment: normalised tokens, their roles and their weights.

Each token is weighed by its rarity on the lists (inverse document frequency frozen with the
algorithm version), capped by how common it is among people (``_namefreq``); legal forms, stop
words and honorifics weigh little, patronymics a share of their rarity.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from borderline.screening.algorithm import ALGORITHM
from borderline.screening.model import EntityKind
from borderline.text import is_abjad, normalize, skeleton

# Weights of legal forms, stop words and honorifics relative to a token of weight 1.
_LIGHT = 0.12
_IDF_MIN, _IDF_MAX = 1.0, 12.0


@dataclass(frozen=True, slots=True)
class _Vocab:
    legal: dict[str, str]
    stop: frozenset[str]
    honorifics: frozenset[str]
    spaced: tuple[tuple[str, ...], ...]
    long: tuple[tuple[tuple[str, ...], str], ...]
    # The same sequences by first word, so preparing a name looks up only what can start here.
    long_by_first: dict[str, tuple[tuple[tuple[str, ...], str], ...]]
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
    long_by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for seq, canon in long:
        long_by_first.setdefault(seq[0], []).append((seq, canon))
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
DESCRIPTIVE = frozenset(
    {"holding", "group", "enterprise", "trading", "industries", "international"}
)
# Patronymics and lineage words are dropped and added freely between documents ("Igor
# Yurievich ANTIPOV" / "ANTIPOV, Ihor"): they weigh this share of their rarity.
_PATRONYMIC = re.compile(
    r"^\w{2,}(?:ovich|evich|ovych|evych|avich|ovna|evna|ivna|avna|ovici|evici|ogly|oglu|uly|kyzy|qizi)$"
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
    # Prepared as an organisation's name (v4: a rare one-word name may lead the score).
    org: bool = False

    @property
    def key(self) -> str:
        return " ".join(sorted(self.tokens))


# Arabic "ʿAbd al-" ("servant of the") is written "Abdul", "Abdel", "Abd al", "Abd-ur", or in
# Arabic script "عبد ال" (normalised "bd al"): one word "abdul" for all of them, and "abdullah"
# for the same joined to "Allah". Applied to people and unknown kinds only.
_ABD = frozenset({"abd", "bd"})
_ABD_ARTICLE = frozenset(
    {
        "al",
        "el",
        "ul",
        "il",
        "ol",
        "ar",
        "ur",
        "as",
        "us",
        "an",
        "un",
        "ad",
        "ud",
        "ash",
        "ush",
        "az",
        "uz",
        "at",
        "ut",
    }
)
_ABDUL = frozenset(
    {
        "abdel",
        "abdal",
        "abdol",
        "abdoul",
        "abdur",
        "abdus",
        "abdun",
        "abduz",
        "abdor",
        "abdul",
        "abdil",
        "bdal",
    }
)
_ALLAH = frozenset({"allah", "llh", "allh", "ullah", "ulla", "alla", "ellah", "lah"})
_ABDULLAH = frozenset(
    {
        "abdullah",
        "abdallah",
        "abdollah",
        "abdulla",
        "abdalla",
        "abdellah",
        "abdula",
        "bdllh",
        "abdolah",
    }
)


_ABJAD_PARTICLES = {"bw": "abu", "m": "umm", "bn": "bin", "bnt": "bint"}


def _arabic_elements(toks: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        if t in _ABD and nxt in _ALLAH:
            out.append("abdullah")
            i += 2
        elif t in _ABD and nxt in _ABD_ARTICLE and i + 2 < len(toks):
            out.append("abdul")
            i += 2
        elif t in _ABDULLAH:
            out.append("abdullah")
            i += 1
        elif t in _ABDUL and nxt:
            out.append("abdul")
            i += 1
        else:
            out.append(t)
            i += 1
    return out


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
    # Each word of one is that legal form ("joint", "stock", "company" are each "jsc").
    long_words: dict[int, str] = {}
    while i < len(toks):
        for seq, long_canon in vocab.long_by_first.get(toks[i], ()):
            if tuple(toks[i : i + len(seq)]) == seq and len(toks) > len(seq):
                # ... folded as its abbreviation is: "open joint stock company" is "ojsc",
                # which is "jsc" like "oao".
                long_canon = vocab.legal.get(long_canon, long_canon)
                long_words.update(
                    (p, long_canon) for p in range(len(folded), len(folded) + len(seq))
                )
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
    if kind is not EntityKind.ORGANIZATION and len(folded) >= 2:
        folded = _arabic_elements(folded)
    abjad = is_abjad(name)
    if abjad:
        # أبو, أم, بن written in the script are the "abu", "umm", "bin" of Latin spellings.
        folded = [_ABJAD_PARTICLES.get(t, t) for t in folded]
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
            can, role = long_words[pos], LEGAL
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
        abjad=abjad,
        canon=tuple(canon),
        org=kind is EntityKind.ORGANIZATION,
    )
