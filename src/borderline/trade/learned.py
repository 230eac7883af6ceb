"""The default HS classifier: the learned model (``hs_model``) behind the same interface as
``HSClassifier`` (``classify``, ``plausible``, ``version``), with chapter and heading
confidences and an ``accepted`` flag.

The model file ships in the package (``data/hs-model.npz``, built by ``borderline trade
train`` from the sources in ``data/hs-sources/``); nothing is downloaded. scikit-learn and
the model load on first use, so importing this module is cheap.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from borderline.trade.classify import Candidate, Classification, LevelScore, Listing
from borderline.trade.hs import Nomenclature, data_path, nomenclature

MODEL_FILE = "hs-model.npz"
_MEMO_SIZE = 20_000
#: Chapter confidence above which a declared code from another chapter is implausible even
#: when the subheading is not accepted.
PLAUSIBLE_CHAPTER_AT = 0.6


def model_path() -> Path:
    return data_path(MODEL_FILE)


class LearnedHSClassifier:
    """Classify listings with the shipped learned model; ``accept_at`` overrides the
    model's documented threshold."""

    def __init__(
        self,
        path: Path | None = None,
        accept_at: float | None = None,
        nom: Nomenclature | None = None,
    ) -> None:
        self.path = path or model_path()
        self.nom = nom or nomenclature()
        self._accept_at = accept_at
        self._model: Any = None
        self._lock = threading.Lock()
        self._memo: OrderedDict[tuple[Any, ...], Classification] = OrderedDict()

    @property
    def model(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from borderline.trade.hs_model import HSModel

                    self._model = HSModel.load(self.path)
        return self._model

    @property
    def version(self) -> str:
        return str(self.model.version)

    @property
    def accept_at(self) -> float:
        return self._accept_at if self._accept_at is not None else float(self.model.accept_at)

    @property
    def abstain_below(self) -> float:
        """The threshold under the name the other backends use."""
        return self.accept_at

    def _describe(self, code: str) -> str:
        e = self.nom.get(code)
        return e.description if e else ""

    def classify(self, listing: Listing, top: int = 3) -> Classification:
        from borderline.trade.hs_text import ListingText

        key = (
            listing.title,
            listing.description,
            listing.category,
            tuple(sorted(listing.attributes.items())),
            top,
        )
        hit = self._memo.get(key)
        if hit is not None:
            self._memo.move_to_end(key)
            return replace(hit, id=listing.id)
        lt = ListingText(listing.title, listing.description, listing.attributes, listing.category)
        p = self.model.predict(lt.text(), top=top, said=lt.said())
        cands = tuple(Candidate(c, s, self._describe(c)) for c, s in p.candidates)
        result = Classification(
            listing.id,
            cands,
            abstain=p.confidence < self.accept_at or not cands,
            raw_top=cands[0].score if cands else 0.0,
            chapters=tuple(LevelScore(c, s, self._describe(c)) for c, s in p.chapters),
            headings=tuple(LevelScore(c, s, self._describe(c)) for c, s in p.headings),
            confidence=p.confidence,
        )
        self._memo[key] = result
        if len(self._memo) > _MEMO_SIZE:
            self._memo.popitem(last=False)
        return result

    def plausible(self, listing: Listing, hs6: str, top: int = 5) -> tuple[bool, Classification]:
        """Is a declared code plausible? Yes when its heading is among the top candidates'.
        Otherwise it is implausible when the model accepts its own answer, or when it is
        sure of the chapter (``PLAUSIBLE_CHAPTER_AT``) and the declared chapter is not among
        its likely chapters: a power bank declared as a toy, not a cotton vs synthetic T-shirt."""
        c = self.classify(listing, top=top)
        if any(cand.hs6[:4] == hs6[:4] for cand in c.candidates):
            return True, c
        if not c.abstain:
            return False, c
        sure = bool(c.chapters) and c.chapters[0].score >= PLAUSIBLE_CHAPTER_AT
        return not (sure and hs6[:2] not in {ch.code for ch in c.chapters}), c


@cache
def learned_classifier() -> LearnedHSClassifier:
    """One shared instance per process (the model loads on first use)."""
    return LearnedHSClassifier()


def train(
    out: Path | None = None, progress: Any = None, trained: str | None = None
) -> dict[str, Any]:
    """Rebuild the model from the shipped sources (training and tuning roles only) and write
    it to ``out`` (default: the package's model file). Returns what was done."""
    import time
    from datetime import date

    from borderline.trade import hs_fit
    from borderline.trade.hs_sources import examples_by_role

    t0 = time.perf_counter()
    say = progress or (lambda _m: None)
    say("reading the shipped sources")
    by_role = examples_by_role()
    model = hs_fit.fit(
        by_role["train"], by_role["tune"], say, trained=trained or date.today().isoformat()
    )
    target = out or model_path()
    model.save(target)
    learned_classifier.cache_clear()
    return {
        "model": model.version,
        "file": str(target),
        "bytes": target.stat().st_size,
        "train_texts": len(by_role["train"]),
        "tune_texts": len(by_role["tune"]),
        "held_out_texts": len(by_role["dev"]),
        "accept_at": model.accept_at,
        "seconds": round(time.perf_counter() - t0, 1),
    }
