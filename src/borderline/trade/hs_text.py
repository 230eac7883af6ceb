"""What the learned HS classifier reads: a listing's parts as one text, its word and
character features, and the hashed TF-IDF spaces they live in (``hs_model`` uses them)."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Attribute keys whose values decide chapters or subheadings: repeated in the text so they
# count like the title's own words.
_KEY_ATTRS = (
    "material",
    "materials",
    "composition",
    "fabric",
    "metal",
    "metal type",
    "metal_type",
    "gender",
    "department",
    "power source",
    "power_source",
    "battery",
    "use",
    "usage",
    "type",
    "材质",
    "面料",
    "材料",
    "性别",
)
_POWER_ATTRS = ("power source", "power_source", "battery")
ATTRIBUTE_WORDS_FILE = "hs-attribute-words.yaml"


class Rule(NamedTuple):
    """One rule of ``data/hs-attribute-words.yaml``."""

    says: tuple[str, ...]  # what sellers write
    tariff: str  # the tariff's words for it
    kind: str  # material | make | gender | power
    under: str  # the wider class's tariff words ("of base metal" for zinc), or ""


@cache
def attribute_table() -> tuple[Rule, ...]:
    """The rules of ``data/hs-attribute-words.yaml``."""
    import yaml

    from borderline.errors import DataFileError
    from borderline.trade.hs import data_path

    path = data_path(ATTRIBUTE_WORDS_FILE)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return tuple(
            Rule(
                tuple(str(say) for say in rule["say"]),
                str(rule["tariff"]),
                str(rule["kind"]),
                str(rule.get("under") or ""),
            )
            for rule in raw["rules"]
        )
    except (OSError, KeyError, TypeError, AttributeError, yaml.YAMLError) as exc:
        raise DataFileError(f"not an attribute-words file: {exc}", where=str(path)) from None


@cache
def _rule_of() -> dict[str, Rule]:
    return {r.tariff: r for r in attribute_table()}


def kind_of(tariff: str) -> str:
    """What a rule's tariff words tell: material, make, gender or power."""
    return _rule_of()[tariff].kind


@cache
def lineage(tariff: str) -> frozenset[str]:
    """A class and the wider classes it belongs to ("of zinc base metal", "of base metal")."""
    out, rule = {tariff}, _rule_of().get(tariff)
    while rule is not None and rule.under and rule.under not in out:
        out.add(rule.under)
        rule = _rule_of().get(rule.under)
    return frozenset(out)


def compatible(said: str, named: str) -> bool:
    """Does a subheading that names ``named`` fit a listing that says ``said``? Yes when one
    is the other or a wider class of it (zinc fits "of base metal"; "alloy" fits steel)."""
    return named in lineage(said) or said in lineage(named)


@cache
def attribute_rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(pattern, tariff words), longest seller phrase first so "pu leather" wins over
    "leather" and "gold plated" over "gold"."""
    pairs = [(normalise(say), r.tariff) for r in attribute_table() for say in r.says]
    pairs.sort(key=lambda p: -len(p[0]))
    out = []
    for say, tariff in pairs:
        if _HAN_RUN.search(say):
            pat = re.compile(re.escape(say))
        else:
            pat = re.compile(rf"(?<![\w-]){re.escape(say)}(?![\w-])")
        out.append((pat, tariff))
    return tuple(out)


def tariff_words(value: str) -> list[str]:
    """The tariff's wording for the materials, make, gender and power a seller's attribute
    value or category path names ("925 sterling silver" -> "of silver precious metal");
    each phrase is consumed by the longest rule that matches it."""
    rest = normalise(value)
    out: list[str] = []
    for pat, tariff in attribute_rules():
        if pat.search(rest):
            rest = pat.sub(" ", rest)
            if tariff not in out:
                out.append(tariff)
    return out


def _stem(token: str) -> str:
    if not token.isascii():
        return token
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def normalise(text: str) -> str:
    """Case-folded, accents stripped (Han kept), separators as spaces."""
    t = unicodedata.normalize("NFKD", text.casefold())
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return t.replace("'s ", " ").replace("'", "").replace("ł", "l").replace("ß", "ss")


_HYPHENATED = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)+")


def words(text: str) -> list[str]:
    """Word tokens: letters only (digits say nothing about a product's kind), plural-folded;
    a Chinese run gives its characters and character pairs; "t-shirt" also gives "tshirt"."""
    out: list[str] = []
    norm = normalise(text)
    out.extend(_stem(h.replace("-", "")) for h in _HYPHENATED.findall(norm))
    for tok in _WORD.findall(norm):
        if _HAN_RUN.search(tok):
            for run in _HAN_RUN.findall(tok):
                out.extend(run)
                out.extend(run[i : i + 2] for i in range(len(run) - 1))
            rest = _HAN_RUN.sub(" ", tok).split()
            out.extend(_stem(r) for r in rest if len(r) > 1)
        elif len(tok) > 1:
            out.append(_stem(tok))
    return out


def word_features(text: str) -> list[str]:
    ws = words(text)
    return ws + [f"{a} {b}" for a, b in itertools.pairwise(ws)]


def char_features(text: str) -> list[str]:
    out: list[str] = []
    for w in words(text):
        if _HAN_RUN.match(w):
            continue
        p = f" {w} "
        for n in (3, 4, 5):
            out.extend(p[i : i + n] for i in range(len(p) - n + 1))
    return out


@dataclass(frozen=True, slots=True)
class ListingText:
    """The parts of a listing the model reads."""

    title: str
    description: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    category: str | None = None

    def _category_words(self) -> str:
        return re.sub(r"\s*[>/|»]\s*", " ", self.category) if self.category else ""

    def text(self) -> str:
        """Everything as one text. A deciding attribute counts twice, like the title, but
        for what powers the product ("battery" would outweigh the earbuds it powers); the
        tariff's wording for it, and for what the category path names, goes to :meth:`said`,
        which the model reads as a block of its own."""
        parts = [self.title]
        for k, v in self.attributes.items():
            key = k.strip().casefold()
            twice = key in _KEY_ATTRS and key not in _POWER_ATTRS
            parts.append(f"{v} {v}" if twice else str(v))
        parts.append(self._category_words())
        if self.description:
            parts.append(self.description[:400])
        return " ; ".join(p for p in parts if p)

    def said(self) -> str:
        """The tariff's wording for the materials, make, gender and power the deciding
        attributes and the category path name ("925 sterling silver" -> "of silver
        precious metal"): scored against each candidate's own subheading text."""
        vals = [str(v) for k, v in self.attributes.items() if k.strip().casefold() in _KEY_ATTRS]
        said = [w for v in [*vals, self._category_words()] if v for w in tariff_words(v)]
        return " ; ".join(dict.fromkeys(said))


def hashed_counts(
    analyser: Callable[[str], list[str]], texts: Sequence[str], n: int
) -> sp.csr_matrix:
    """Rows of feature counts, a column per hashed feature, duplicates summed, columns sorted."""
    from murmurhash.mrmr import hash as murmur3

    indices: list[int] = []
    indptr = [0]
    for text in texts:
        for feature in analyser(text):
            h = murmur3(feature)
            # abs(-2**31) does not fit 32 bits; scikit-learn defines its column this way.
            indices.append((2147483647 - (n - 1)) % n if h == -2147483648 else abs(h) % n)
        indptr.append(len(indices))
    x = sp.csr_matrix(
        (
            np.ones(len(indices), dtype=np.float64),
            np.asarray(indices, dtype=np.int32),
            np.asarray(indptr, dtype=np.int32),
        ),
        shape=(len(texts), n),
    )
    x.sum_duplicates()
    return x


class Space:
    """A hashed TF-IDF space (sublinear tf, learned idf, L2-normalised rows).

    A feature's column is MurmurHash3 (x86, 32-bit, seed 0) of its UTF-8 bytes, as scikit-learn's
    ``HashingVectorizer(alternate_sign=False, norm=None)`` computes it, so the shipped model's
    columns are the same (tests/trade/test_hs_hashing.py holds the two equal). The hash comes
    from ``murmurhash`` (Explosion's small C extension, installed with spaCy) rather than
    scikit-learn, whose import costs over a second at the first classified listing.
    """

    def __init__(self, analyser: Callable[[str], list[str]], n: int) -> None:
        self.n = n
        self.analyser = analyser
        self.idf = np.ones(n, dtype=np.float32)

    def counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        x = hashed_counts(self.analyser, texts, self.n)
        x.data = 1.0 + np.log(x.data)
        return x

    def fit_idf(self, x: sp.csr_matrix) -> None:
        df = np.bincount(x.indices, minlength=self.n).astype(np.float64)
        n_docs = x.shape[0]
        self.idf = (np.log((1 + n_docs) / (1 + df)) + 1.0).astype(np.float32)

    def weigh(self, x: sp.csr_matrix) -> sp.csr_matrix:
        # In place on the data array: the broadcasting multiply and sklearn's normalize cost
        # more than the whole retrieval for a single listing.
        x = x.astype(np.float32)
        x.data *= self.idf[x.indices]
        lengths = np.diff(x.indptr)
        rows = np.repeat(np.arange(x.shape[0]), lengths)
        norms = np.sqrt(np.bincount(rows, weights=x.data * x.data, minlength=x.shape[0]))
        x.data /= np.repeat(np.where(norms > 0, norms, 1.0), lengths).astype(np.float32)
        return x

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.weigh(self.counts(texts))
