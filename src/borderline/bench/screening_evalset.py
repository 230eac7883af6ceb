"""A labelled evaluation set generated from the real lists, reproducible from a seed.

Positives are listed names changed the way real inputs differ from the list: typos, reordered
tokens ("PUTIN, Vladimir" -> "Vladimir Putin"), dropped middle names and patronymics,
transliteration variants, the name written in Cyrillic, initials, changed legal forms.
Negatives are realistic names that are *not* the listed entity: other entries of the same list
sharing a token (same family name, same company word), common names of ten cultures in their
own scripts sharing a token with a listed name, and random pairs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from borderline.screening import Entity, EntityKind
from borderline.text import normalize

_CYR = [
    ("shch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("ya", "я"),
    ("a", "а"),
    ("b", "б"),
    ("v", "в"),
    ("g", "г"),
    ("d", "д"),
    ("e", "е"),
    ("z", "з"),
    ("i", "и"),
    ("y", "й"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("f", "ф"),
    ("h", "х"),
    ("c", "к"),
    ("w", "в"),
    ("x", "кс"),
    ("j", "дж"),
    ("q", "к"),
]
_VARIANTS = [
    ("mohammed", "muhammad"),
    ("mohammad", "muhammad"),
    ("muhammad", "mohamed"),
    ("abdul", "abdel"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("ph", "f"),
    ("kh", "h"),
    ("ck", "k"),
    ("sch", "sh"),
    ("ei", "ey"),
    ("dj", "j"),
    ("tz", "ts"),
    ("iy", "i"),
    ("y", "i"),
    ("w", "v"),
    ("q", "k"),
    ("ss", "s"),
    ("ll", "l"),
]
_FORMS = ["Ltd", "Limited", "LLC", "Inc", "Corporation", "Co., Ltd.", "GmbH", "S.A.", "JSC"]


@dataclass(frozen=True, slots=True)
class LabelledPair:
    id: str
    left: str
    right: str
    kind: str  # person, organization or "" (any)
    label: int
    how: str
    list: str = ""
    source_id: str = ""

    def row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "left": self.left,
            "right": self.right,
            "type": self.kind,
            "label": self.label,
        }


@cache
def _names() -> dict[str, Any]:
    path = resources.files("borderline.bench") / "data" / "screening_eval_names.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _kind(e: Entity) -> str:
    if e.kind is EntityKind.PERSON:
        return "person"
    if e.kind in (EntityKind.ORGANIZATION, EntityKind.VESSEL, EntityKind.AIRCRAFT):
        return "organization"
    return ""


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)  # keep the first letter, as most real typos do
    op = rng.choice(("sub", "del", "ins", "swap"))
    letters = "aeioulnrstmkh"
    if op == "sub":
        return word[:i] + rng.choice(letters) + word[i + 1 :]
    if op == "del":
        return word[:i] + word[i + 1 :]
    if op == "ins":
        return word[:i] + rng.choice(letters) + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def to_cyrillic(text: str) -> str:
    out, t, i = [], text.lower(), 0
    while i < len(t):
        for lat, cyr in _CYR:
            if t.startswith(lat, i):
                out.append(cyr)
                i += len(lat)
                break
        else:
            out.append(t[i])
            i += 1
    return "".join(out)


def perturb(rng: random.Random, name: str, kind: str) -> tuple[str, str] | None:
    """One realistic variant of a listed name and what was done; None if none applies."""
    words = name.replace(",", " ").split()
    long_idx = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    options = ["case", "typo", "reorder", "variant"]
    if kind == "person":
        options += ["drop_middle", "cyrillic", "initial", "typo2"]
    if kind == "organization":
        options += ["legal_form", "drop_legal"]
    for _ in range(6):
        how = rng.choice(options)
        out: str | None = None
        if how == "case":
            out = " ".join(w.capitalize() for w in words)
        elif how in ("typo", "typo2") and long_idx:
            w = list(words)
            for _ in range(2 if how == "typo2" and len(long_idx) > 1 else 1):
                j = rng.choice(long_idx)
                w[j] = _typo(rng, w[j])
            out = " ".join(w)
        elif how == "reorder" and len(words) >= 2:
            w = list(words)
            if "," in name:  # "PUTIN, Vladimir" -> "Vladimir PUTIN"
                fam, given = name.split(",", 1)
                out = f"{given.strip()} {fam.strip()}"
            else:
                rng.shuffle(w)
                out = " ".join(w) if w != words else " ".join(reversed(words))
        elif how == "variant":
            low = name.lower()
            hits = [(a, b) for a, b in _VARIANTS if a in low]
            if hits:
                a, b = rng.choice(hits)
                out = low.replace(a, b, 1)
        elif how == "drop_middle" and len(words) >= 3:
            w = list(words)
            del w[rng.randrange(1, len(w) - 1)]
            out = " ".join(w)
        elif how == "cyrillic" and all(w.isascii() for w in words):
            out = to_cyrillic(name.replace(",", ""))
        elif how == "initial" and len(words) >= 3:
            w = list(words)
            j = len(w) - 1 if "," in name else 0
            w[j] = w[j][0] + "."
            out = " ".join(w)
        elif how == "legal_form":
            out = f"{name} {rng.choice(_FORMS)}"
        elif how == "drop_legal" and len(words) >= 2:
            # Leave out the legal-form words ("JOINT STOCK COMPANY VOMZ" -> "VOMZ"), never
            # the distinctive ones.
            legal = _legal_words()
            kept = [w for w in words if normalize(w) not in legal]
            if kept and len(kept) < len(words):
                out = " ".join(kept)
        if out and normalize(out) and out != name:
            return out, how
    return None


@cache
def _legal_words() -> frozenset[str]:
    from borderline.screening import vocabulary

    v = vocabulary()
    return frozenset(v.legal) | frozenset(w for seq, _c in v.long for w in seq)


def _random_person(rng: random.Random) -> tuple[str, str]:
    names = _names()["persons"]
    culture = rng.choice(sorted(names))
    spec = names[culture]
    if "full" in spec:
        return rng.choice(spec["full"]), culture
    return f"{rng.choice(spec['given'])} {rng.choice(spec['family'])}", culture


def _random_company(rng: random.Random) -> str:
    c = _names()["companies"]
    return f"{rng.choice(c['first'])} {rng.choice(c['second'])} {rng.choice(c['forms'])}"


def generate(
    entities: list[Entity], n: int = 3000, seed: int = 7, positive_share: float = 0.4
) -> list[LabelledPair]:
    """``n`` labelled pairs (left = input, right = a listed name) from ``entities``."""
    rng = random.Random(seed)
    usable = [e for e in entities if e.names and _kind(e)]
    by_token: dict[tuple[str, str], list[int]] = {}
    for i, e in enumerate(usable):
        for tok in sorted(set(normalize(e.names[0].full).split())):
            if len(tok) >= 4:
                by_token.setdefault((e.list, tok), []).append(i)
    shared = [v for v in by_token.values() if 2 <= len(v) <= 50]
    pairs: list[LabelledPair] = []
    n_pos = int(n * positive_share)
    while len(pairs) < n_pos:
        e = rng.choice(usable)
        strong = [nm for nm in e.names if not nm.weak and nm.kind != "original_script"]
        if not strong:
            continue
        listed = rng.choice(strong).full
        got = perturb(rng, listed, _kind(e))
        if got is None:
            continue
        pairs.append(
            LabelledPair(f"p{len(pairs)}", got[0], listed, _kind(e), 1, got[1], e.list, e.source_id)
        )
    n_neg = n - n_pos
    hard, cultural = int(n_neg * 0.5), int(n_neg * 0.3)
    while len(pairs) < n_pos + hard:
        group = rng.choice(shared)
        a, b = rng.sample(group, 2)
        ea, eb = usable[a], usable[b]
        ta, tb = set(normalize(ea.names[0].full).split()), set(normalize(eb.names[0].full).split())
        if ta <= tb or tb <= ta:
            # "CIMEX" and "CIMEX, S.A." are separate OFAC entries, yet one name contains the
            # other: a screener must flag both, so the pair cannot be labelled a non-match.
            continue
        if _kind(ea) != _kind(eb):
            continue
        pairs.append(
            LabelledPair(
                f"n{len(pairs)}",
                ea.names[0].full,
                eb.names[0].full,
                _kind(ea),
                0,
                "same_list_shared_token",
                eb.list,
                eb.source_id,
            )
        )
    while len(pairs) < n_pos + hard + cultural:
        e = rng.choice(usable)
        if _kind(e) == "person":
            left, how = _random_person(rng)
            fam = normalize(e.names[0].full).split()
            if (
                fam
                and rng.random() < 0.5
                and how not in ("chinese", "korean", "russian", "arabic", "greek")
            ):
                left = f"{left.split()[0]} {fam[0].capitalize()}"  # shares the family name
                how += "+listed_family"
        else:
            left, how = _random_company(rng), "company"
            if rng.random() < 0.5:
                word = normalize(e.names[0].full).split()[0].capitalize()
                left = f"{word} {left.split(' ', 1)[1]}"
                how += "+listed_word"
        pairs.append(
            LabelledPair(
                f"n{len(pairs)}",
                left,
                e.names[0].full,
                _kind(e),
                0,
                f"cultural:{how}",
                e.list,
                e.source_id,
            )
        )
    while len(pairs) < n:
        ea, eb = rng.sample(usable, 2)
        if _kind(ea) != _kind(eb) or normalize(ea.names[0].full) == normalize(eb.names[0].full):
            continue
        pairs.append(
            LabelledPair(
                f"n{len(pairs)}",
                ea.names[0].full,
                eb.names[0].full,
                _kind(ea),
                0,
                "random",
                eb.list,
                eb.source_id,
            )
        )
    return pairs
