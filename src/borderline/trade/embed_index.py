"""The embedding backend's fitted parts: the embedded nomenclature and examples (``Index``),
the candidate ranker over ``FEATURES`` and its persistence; ``embed.py`` builds and uses them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from borderline.trade.classify import Calibration

FEATURES = (
    "lexical",
    "log_lexical",
    "lexical_chapter_mass",
    "lexical_heading_mass",
    "cos_subheading",
    "cos_heading",
    "cos_chapter",
    "cos_subheading_gap",
    "cos_heading_gap",
    "cos_chapter_gap",
    "example_votes",
    "example_heading_votes",
    "lexical_rank",
    "embedding_rank",
    "lexical_strength_x_log_lexical",
    "lexical_gap",
)
RANKER_C = 1.0


def softmax(x: np.ndarray, temp: float = 1.0) -> np.ndarray:
    z = (x - x.max()) / temp
    e = np.exp(z)
    out: np.ndarray = e / e.sum()
    return out


@dataclass
class Index:
    """The embedded nomenclature and examples, plus the fitted ranker and calibration."""

    sub_codes: list[str]
    sub: np.ndarray
    head_codes: list[str]
    head: np.ndarray
    chap_codes: list[str]
    chap: np.ndarray
    ex_codes: list[str]
    ex_texts: list[str]
    ex_sources: list[str]  # the training title an example came from ("" for lexicon terms)
    ex: np.ndarray

    def __post_init__(self) -> None:
        self.sub_pos = {c: i for i, c in enumerate(self.sub_codes)}
        head_pos = {c: i for i, c in enumerate(self.head_codes)}
        chap_pos = {c: i for i, c in enumerate(self.chap_codes)}
        self.head_of = np.asarray([head_pos[c[:4]] for c in self.sub_codes])
        self.chap_of = np.asarray([chap_pos[c[:2]] for c in self.sub_codes])
        self.by_source: dict[str, list[int]] = defaultdict(list)
        for i, s in enumerate(self.ex_sources):
            if s:
                self.by_source[s].append(i)

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "sub_codes": np.asarray(self.sub_codes),
            "sub": self.sub,
            "head_codes": np.asarray(self.head_codes),
            "head": self.head,
            "chap_codes": np.asarray(self.chap_codes),
            "chap": self.chap,
            "ex_codes": np.asarray(self.ex_codes),
            "ex_texts": np.asarray(self.ex_texts),
            "ex_sources": np.asarray(self.ex_sources),
            "ex": self.ex,
        }

    @classmethod
    def from_arrays(cls, z: Any) -> Index:
        return cls(
            [str(x) for x in z["sub_codes"]],
            np.asarray(z["sub"], dtype=np.float32),
            [str(x) for x in z["head_codes"]],
            np.asarray(z["head"], dtype=np.float32),
            [str(x) for x in z["chap_codes"]],
            np.asarray(z["chap"], dtype=np.float32),
            [str(x) for x in z["ex_codes"]],
            [str(x) for x in z["ex_texts"]],
            [str(x) for x in z["ex_sources"]],
            np.asarray(z["ex"], dtype=np.float32),
        )


@dataclass(frozen=True)
class Ranker:
    """Standardised logistic regression over ``FEATURES``; a softmax over its logits."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def probabilities(self, feats: np.ndarray) -> np.ndarray:
        z = ((feats - self.mean) / self.scale) @ self.coef + self.intercept
        return softmax(np.asarray(z, dtype=float))

    @classmethod
    def fit(cls, items: Sequence[Scored], golds: Sequence[str]) -> Ranker:
        from sklearn.linear_model import LogisticRegression

        x = np.vstack([s.feats for s in items])
        y = np.concatenate(
            [[c == g for c in s.codes] for s, g in zip(items, golds, strict=True)]
        ).astype(int)
        mean = x.mean(axis=0)
        scale = x.std(axis=0) + 1e-9
        lr = LogisticRegression(C=RANKER_C, max_iter=5000)
        lr.fit((x - mean) / scale, y)
        return cls(mean, scale, np.asarray(lr.coef_[0]), float(lr.intercept_[0]))

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Ranker:
        if tuple(d.get("features", ())) != FEATURES:
            raise ValueError("ranker fitted on other features")
        return cls(
            np.asarray(d["mean"]), np.asarray(d["scale"]), np.asarray(d["coef"]), d["intercept"]
        )


@dataclass(frozen=True)
class Scored:
    """One listing's candidates and their features, before ranking."""

    codes: list[str]
    feats: np.ndarray
    why: dict[str, list[str]]


@dataclass(frozen=True)
class Fitted:
    ranker: Ranker
    calibration: Calibration
