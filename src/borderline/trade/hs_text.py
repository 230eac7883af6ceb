"""What the learned HS classifier reads: a listing's parts as one text, its word and
character features, and the hashed TF-IDF spaces they live in (``hs_model`` uses them)."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

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

    def text(self) -> str:
        parts = [self.title]
        for k, v in self.attributes.items():
            key = k.strip().casefold()
            parts.append(f"{v} {v}" if key in _KEY_ATTRS else str(v))
        if self.category:
            parts.append(re.sub(r"\s*[>/|»]\s*", " ", self.category))
        if self.description:
            parts.append(self.description[:400])
        return " ; ".join(p for p in parts if p)


class Space:
    """A hashed TF-IDF space (sublinear tf, learned idf, L2-normalised rows)."""

    def __init__(self, analyser: Callable[[str], list[str]], n: int) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self.n = n
        self.vec = HashingVectorizer(
            analyzer=analyser, n_features=n, alternate_sign=False, norm=None
        )
        self.idf = np.ones(n, dtype=np.float32)

    def counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        x = self.vec.transform(texts).tocsr()
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
