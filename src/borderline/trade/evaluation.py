"""Accuracy of the HS classifier on the labelled evaluation listings (``data/hs-eval.tsv``).

The evaluation set is 319 marketplace-style titles (172 English, 147 Chinese) written by the
Borderline trade maintainers, each labelled with the HS 2022 subheading whose nomenclature text
covers it (material and gender splits follow the attributes). Calibration is judged honestly by
cross-fitting: the isotonic map used for a row is fitted on the other fold.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from borderline.errors import DataFileError
from borderline.trade.classify import Calibration, Classification, Listing
from borderline.trade.hs import data_path
from borderline.trade.lexicon import Lexicon


class Classifier(Protocol):
    """Any backend: ``HSClassifier``, ``EmbeddingBackend``, ``LLMReranker``…"""

    @property
    def lex(self) -> Lexicon: ...

    def classify(self, listing: Listing, top: int = 3) -> Classification: ...


@dataclass(frozen=True, slots=True)
class LabelledListing:
    hs6: str
    lang: str
    listing: Listing


def load_eval(path: Path | None = None) -> list[LabelledListing]:
    p = path or data_path("hs-eval.tsv")
    out: list[LabelledListing] = []
    with p.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        for lineno, row in enumerate(reader, 2):
            hs6 = (row.get("hs6") or "").strip()
            title = (row.get("title") or "").strip()
            if len(hs6) != 6 or not hs6.isdigit() or not title:
                raise DataFileError("needs a six-digit hs6 and a title", where=f"{p}:{lineno}")
            attrs: dict[str, str] = {}
            for pair in filter(None, (row.get("attributes") or "").split(";")):
                k, _, v = pair.partition("=")
                attrs[k.strip()] = v.strip()
            out.append(
                LabelledListing(
                    hs6,
                    (row.get("lang") or "").strip(),
                    Listing(
                        title=title,
                        category=(row.get("category") or None),
                        attributes=attrs,
                        id=str(lineno),
                    ),
                )
            )
    return out


def _topk(pred: list[str], gold: str, k: int, digits: int) -> bool:
    return any(p[:digits] == gold[:digits] for p in pred[:k])


def evaluate(clf: Classifier, rows: list[LabelledListing], folds: int = 2) -> dict[str, Any]:
    preds: list[list[str]] = []
    raw: list[float] = []
    for r in rows:
        c = clf.classify(r.listing, top=3)
        preds.append([x.hs6 for x in c.candidates])
        raw.append(c.raw_top)
    correct = [bool(p) and p[0] == r.hs6 for p, r in zip(preds, rows, strict=True)]
    result: dict[str, Any] = {"n": len(rows)}
    # "novel": listings whose code no lexicon concept and no training listing points to -
    # what the nomenclature retrieval and the learned model manage on their own.
    from borderline.trade.classify import training_listings

    lex_codes: set[str] = {hs6 for hs6, _ in training_listings()}
    for concept in clf.lex.concepts:
        lex_codes.add(concept.hs6)
        for alts in concept.by.values():
            lex_codes.update(alts.values())
    subsets: dict[str, Callable[[LabelledListing], bool]] = {
        "all": lambda r: True,
        "en": lambda r: r.lang == "en",
        "zh": lambda r: r.lang == "zh",
        "novel": lambda r: r.hs6 not in lex_codes,
    }
    for lang, keep in subsets.items():
        idx = [i for i, r in enumerate(rows) if keep(r)]
        block: dict[str, float] = {"n": len(idx)}
        for digits in (2, 4, 6):
            for k in (1, 3):
                hits = sum(_topk(preds[i], rows[i].hs6, k, digits) for i in idx)
                block[f"top{k}_hs{digits}"] = hits / len(idx) if idx else 0.0
        result[lang] = block
    # Cross-fitted calibration: fold f's confidences come from a map fitted on the others.
    conf = np.zeros(len(rows))
    order = np.arange(len(rows))
    for f in range(folds):
        test = order[order % folds == f]
        train = order[order % folds != f]
        cal = Calibration.fit([raw[i] for i in train], [correct[i] for i in train])
        for i in test:
            conf[i] = cal(raw[i])
    curve = []
    for thr in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        kept = conf >= thr
        n_kept = int(kept.sum())
        acc = float(np.mean(np.asarray(correct)[kept])) if n_kept else float("nan")
        curve.append(
            {"threshold": thr, "abstain_rate": 1 - n_kept / len(rows), "top1_hs6_answered": acc}
        )
    result["abstention"] = curve
    # Expected calibration error (10 bins) of the cross-fitted confidences.
    bins = np.clip((conf * 10).astype(int), 0, 9)
    ece = 0.0
    for b in range(10):
        m = bins == b
        if m.any():
            ece += m.mean() * abs(conf[m].mean() - np.asarray(correct, dtype=float)[m].mean())
    result["ece"] = float(ece)
    result["misses"] = [
        {"title": r.listing.title, "gold": r.hs6, "pred": p[:3]}
        for r, p, ok in zip(rows, preds, correct, strict=True)
        if not ok
    ]
    result["_raw"] = raw
    result["_correct"] = correct
    return result
