"""HS 2022 classification of a product listing: hierarchy navigation, lexicon, learned model.

How a listing becomes candidates (``HSClassifier.classify``):

1. Text: title, description, attribute values and the category path; Chinese terms are glossed
   into English through the bilingual lexicon (``lexicon.py``) - transliteration is not
   translation.
2. Learned chapter model: a multinomial logistic regression over word and character n-grams,
   trained on the nomenclature (every subheading's chapter/heading/subheading text) and the
   lexicon's product terms, gives P(chapter).
3. Hierarchy: within the most likely chapters, headings and then subheadings are ranked by
   TF-IDF cosine against their nomenclature text (plus lexicon terms), each level a softmax, so
   the guess is chapter -> heading -> subheading, never a flat 5,612-way one.
4. Lexicon concepts named in the text ("sneakers", "充电宝") vote for their subheading; an
   attribute (material, gender, metal) in the attributes or the text moves the vote to the
   sibling subheading the nomenclature splits on (cotton vs synthetic T-shirts).
5. The top score is mapped to a calibrated probability (isotonic regression fitted on the
   labelled evaluation listings, ``data/hs-calibration.json``); below ``abstain_below`` the
   answer is "abstain": needs a broker.
"""

from __future__ import annotations

import json
import math
import re
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from borderline.errors import InvalidInput
from borderline.trade.hs import Nomenclature, data_path, nomenclature
from borderline.trade.lexicon import Lexicon, has_han, lexicon, normalise_en

MODEL_VERSION = "hs-lex-lr-1"
DEFAULT_ABSTAIN_BELOW = 0.5
_ATTR_KINDS = {
    "material": "material",
    "fabric": "material",
    "composition": "material",
    "metal": "material",
    "metal type": "material",
    "metal_type": "material",
    "gender": "gender",
    "department": "gender",
    "sex": "gender",
    "材质": "material",
    "面料": "material",
    "材料": "material",
    "性别": "gender",
}


@dataclass(frozen=True, slots=True)
class Listing:
    """What the classifier reads. Only ``title`` is required."""

    title: str
    description: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    category: str | None = None
    price: float | None = None
    currency: str | None = None
    id: str | None = None

    @classmethod
    def from_dict(cls, obj: dict[str, Any], where: str = "listing") -> Listing:
        title = obj.get("title")
        if not isinstance(title, str) or not title.strip():
            raise InvalidInput(
                "title is required and must be non-empty text", where=f"{where}.title"
            )
        attrs = obj.get("attributes") or {}
        if not isinstance(attrs, dict):
            raise InvalidInput("attributes must be an object", where=f"{where}.attributes")
        for k in ("description", "category", "currency"):
            if obj.get(k) is not None and not isinstance(obj[k], str):
                raise InvalidInput("must be text", where=f"{where}.{k}")
        price = obj.get("price")
        if price is not None:
            try:
                price = float(price)
            except (TypeError, ValueError):
                raise InvalidInput("price must be a number", where=f"{where}.price") from None
            if price < 0 or math.isnan(price):
                raise InvalidInput("price must not be negative", where=f"{where}.price")
        known = {"id", "title", "description", "attributes", "category", "price", "currency"}
        extra = set(obj) - known
        if extra:
            raise InvalidInput(f"unknown field(s) {sorted(extra)}", where=where)
        return cls(
            title=title.strip(),
            description=obj.get("description"),
            attributes={str(k): str(v) for k, v in attrs.items()},
            category=obj.get("category"),
            price=price,
            currency=obj.get("currency"),
            id=None if obj.get("id") is None else str(obj["id"]),
        )

    def text(self) -> str:
        parts = [self.title, self.description or "", " ".join(self.attributes.values())]
        if self.category:
            parts.append(re.sub(r"\s*[>/|»]\s*", " ", self.category))
        return " ".join(p for p in parts if p)


def training_listings() -> list[tuple[str, str]]:
    """(hs6, title) rows of ``data/hs-train.tsv``: labelled listings the model learns from."""
    import csv

    path = data_path("hs-train.tsv")
    with path.open(encoding="utf-8", newline="") as fh:
        return [(r["hs6"], r["title"]) for r in csv.DictReader(fh, delimiter="\t")]


@dataclass(frozen=True, slots=True)
class Candidate:
    hs6: str
    score: float
    description: str
    why: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"hs6": self.hs6, "score": round(self.score, 4), "description": self.description}


@dataclass(frozen=True, slots=True)
class LevelScore:
    """Confidence in a chapter (2 digits) or heading (4 digits)."""

    code: str
    score: float
    description: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "score": round(self.score, 4), "description": self.description}


@dataclass(frozen=True, slots=True)
class Classification:
    id: str | None
    candidates: tuple[Candidate, ...]
    abstain: bool
    raw_top: float
    #: Chapter and heading confidences, best first (the learned classifier fills them).
    chapters: tuple[LevelScore, ...] = ()
    headings: tuple[LevelScore, ...] = ()
    #: The model's calibrated P(first candidate right); ``accepted`` compares it with the
    #: documented threshold. None for backends that do not compute it separately.
    confidence: float | None = None

    @property
    def accepted(self) -> bool:
        return bool(self.candidates) and not self.abstain

    def to_dict(self, explain: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "candidates": [c.to_dict() for c in self.candidates],
            "accepted": self.accepted,
            "abstain": self.abstain,
        }
        if self.confidence is not None:
            out["confidence"] = round(self.confidence, 4)
        if self.chapters:
            out["chapters"] = [c.to_dict() for c in self.chapters]
        if self.headings:
            out["headings"] = [h.to_dict() for h in self.headings]
        if explain:
            for d, c in zip(out["candidates"], self.candidates, strict=True):
                d["why"] = list(c.why)
        return out


def _softmax(x: np.ndarray, temp: float) -> np.ndarray:
    z = (x - x.max()) / temp
    e = np.exp(z)
    out: np.ndarray = e / e.sum()
    return out


class _Model:
    """The fitted parts: vectorisers, chapter model, heading/subheading document matrices."""

    def __init__(self, nom: Nomenclature, lex: Lexicon) -> None:
        subs = nom.subheadings()
        extra: dict[str, list[str]] = defaultdict(list)
        for c in lex.concepts:
            extra[c.hs6].extend(c.en)
            for v in c.by.values():
                for code in v.values():
                    extra[code].extend(c.en[:2])
        self.sub_codes = [e.code for e in subs]
        sub_docs = [
            normalise_en(nom.path_text(e.code) + " " + " ".join(extra[e.code])) for e in subs
        ]
        self.head_codes = sorted({e.code[:4] for e in subs})
        head_text: dict[str, list[str]] = defaultdict(list)
        for e, d in zip(subs, sub_docs, strict=True):
            head_text[e.code[:4]].append(d)
        head_docs = []
        for h in self.head_codes:
            entry = nom.get(h)
            head_docs.append(
                normalise_en(entry.description if entry else "") + " " + " ".join(head_text[h])
            )
        # scikit-learn loads with the lexical model, not with the package (start-up cost).
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import SGDClassifier

        # Training set for the learned chapter model: nomenclature text plus lexicon terms
        # (each term alone is how a marketplace title names a product). Lexicon rows weigh
        # less so that a short product word does not drown the nomenclature (measured:
        # chapter accuracy on titles outside the lexicon 0.59 at weight 0.3 vs 0.52 at 1.0).
        x_text = list(sub_docs)
        y = [c[:2] for c in self.sub_codes]
        weights = [1.0] * len(x_text)
        for c in lex.concepts:
            for term in c.en:
                x_text.append(normalise_en(term))
                y.append(c.hs6[:2])
                weights.append(0.3)
        # Our own labelled listings (data/hs-train.tsv, disjoint from the evaluation set).
        for hs6, title in training_listings():
            gloss = lex.translate(title) if has_han(title) else ""
            x_text.append(normalise_en(title + " " + gloss))
            y.append(hs6[:2])
            weights.append(1.0)
        # Word unigrams: character n-grams cost 10x the fitting time for no measured gain.
        self.word = TfidfVectorizer(ngram_range=(1, 1), sublinear_tf=True, token_pattern=r"[^ ]+")
        x = self.word.fit_transform(x_text)
        self.chapter_model = SGDClassifier(
            loss="log_loss", alpha=1e-6, max_iter=30, tol=None, random_state=0
        )
        self.chapter_model.fit(x, y, sample_weight=np.asarray(weights))
        self.chapters = list(self.chapter_model.classes_)
        self.chapter_pos = {c: i for i, c in enumerate(self.chapters)}
        # Retrieval matrices (word-level TF-IDF; rows are L2-normalised by the vectoriser).
        self.sub_matrix = self.word.transform(sub_docs)
        self.head_matrix = self.word.transform(head_docs)
        self.sub_index = {c: i for i, c in enumerate(self.sub_codes)}
        self.head_index = {h: i for i, h in enumerate(self.head_codes)}
        self.subs_of: dict[str, list[str]] = defaultdict(list)
        for code in self.sub_codes:
            self.subs_of[code[:4]].append(code)
        self.heads_of: dict[str, list[str]] = defaultdict(list)
        for h in self.head_codes:
            self.heads_of[h[:2]].append(h)


@dataclass(frozen=True, slots=True)
class Calibration:
    """Isotonic map from the raw top score to P(top-1 correct): step points (x, y)."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    fitted_on: str = ""

    def __call__(self, raw: float) -> float:
        if not self.xs:
            return raw
        return float(np.interp(raw, self.xs, self.ys))

    @classmethod
    def fit(cls, raw: list[float], correct: list[bool], fitted_on: str = "") -> Calibration:
        from sklearn.isotonic import IsotonicRegression

        # A few hundred labelled listings cannot support certainty either way: keep the
        # calibrated confidence inside [0.01, 0.99].
        iso = IsotonicRegression(y_min=0.01, y_max=0.99, out_of_bounds="clip")
        iso.fit(np.asarray(raw), np.asarray(correct, dtype=float))
        return cls(
            tuple(float(v) for v in iso.X_thresholds_),
            tuple(float(v) for v in iso.y_thresholds_),
            fitted_on,
        )

    @classmethod
    def load(cls, path: Path) -> Calibration:
        if not path.is_file():
            return cls((), ())
        d = json.loads(path.read_text(encoding="utf-8"))
        return cls(tuple(d["x"]), tuple(d["y"]), d.get("fitted_on", ""))

    def dump(self, path: Path) -> None:
        path.write_text(
            json.dumps(
                {"model": MODEL_VERSION, "fitted_on": self.fitted_on, "x": self.xs, "y": self.ys},
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )


class HSClassifier:
    """The light default backend: lexicon + learned chapter model + hierarchical retrieval."""

    version = MODEL_VERSION

    def __init__(
        self,
        nom: Nomenclature | None = None,
        lex: Lexicon | None = None,
        calibration: Calibration | None = None,
        abstain_below: float = DEFAULT_ABSTAIN_BELOW,
    ) -> None:
        self.nom = nom or nomenclature()
        self.lex = lex or lexicon()
        self._memo: OrderedDict[tuple[Any, ...], Classification] = OrderedDict()
        self.calibration = (
            calibration
            if calibration is not None
            else Calibration.load(data_path("hs-calibration.json"))
        )
        self.abstain_below = abstain_below
        self._model: _Model | None = None

    @property
    def model(self) -> _Model:
        if self._model is None:
            self._model = self._load_model()
        return self._model

    def _load_model(self) -> _Model:
        # Fitting takes a few seconds from the shipped data, so no model file is shipped or
        # cached: the model is always the one the data in this version produces.
        return _Model(self.nom, self.lex)

    # -- scoring -----------------------------------------------------------------------------

    def _attributes(self, listing: Listing) -> dict[str, str]:
        """Material and gender from the attributes first, else from the text."""
        out: dict[str, str] = {}
        for k, v in listing.attributes.items():
            kind = _ATTR_KINDS.get(k.strip().casefold())
            if kind is None:
                continue
            vals = self.lex.attribute_values(v, kind)
            if vals:
                out[kind] = max(vals, key=lambda c: vals[c])
        text = listing.text()
        for kind in ("material", "gender"):
            if kind in out:
                continue
            vals = self.lex.attribute_values(text, kind)
            if kind == "gender" and len(vals) > 1:
                continue  # "unisex / men women": no gender split
            if vals:
                out[kind] = max(vals, key=lambda c: vals[c])
        return out

    def raw_scores(self, listing: Listing) -> tuple[dict[str, float], dict[str, list[str]]]:
        m = self.model
        text = listing.text()
        gloss = self.lex.translate(text) if has_han(text) else ""
        # Tokens with digits ("25kg", "1tb", "i5") match nomenclature thresholds ("not more
        # than 25kg") by accident; product numbers are the lexicon's business.
        query = " ".join(
            t for t in normalise_en(text + " " + gloss).split() if not any(ch.isdigit() for ch in t)
        )
        why: dict[str, list[str]] = defaultdict(list)
        scores: dict[str, float] = defaultdict(float)

        # 1. Chapter: the learned model's P(chapter) averaged with a retrieval view (softmax
        #    over chapters of their best subheading's cosine), so a chapter the model misses
        #    but whose nomenclature text matches the words can still be navigated.
        if query.strip():
            qw = m.word.transform([query])
            p_model = m.chapter_model.predict_proba(qw)[0]
            flat = (m.sub_matrix @ qw.T).toarray().ravel()
            best: dict[str, float] = {}
            for i in np.argsort(-flat)[:50]:
                ch = m.sub_codes[i][:2]
                best[ch] = max(best.get(ch, 0.0), float(flat[i]))
            p_ch = 0.5 * p_model
            if best and max(best.values()) > 0:
                chs = list(best)
                pr = _softmax(np.asarray([best[c] for c in chs]), 0.05)
                for c, v in zip(chs, pr, strict=True):
                    if c in m.chapter_pos:
                        p_ch[m.chapter_pos[c]] += 0.5 * v
            else:
                p_ch = p_model
            for ci in np.argsort(-p_ch)[:4]:
                ch = m.chapters[ci]
                heads = m.heads_of.get(ch, [])
                if not heads:
                    continue
                hs = (m.head_matrix[[m.head_index[h] for h in heads]] @ qw.T).toarray().ravel()
                ph = _softmax(hs, 0.05)
                for hi in np.argsort(-ph)[:3]:
                    h = heads[hi]
                    subs = m.subs_of[h]
                    ss = (m.sub_matrix[[m.sub_index[s] for s in subs]] @ qw.T).toarray().ravel()
                    ps = _softmax(ss, 0.05)
                    for si, s in enumerate(subs):
                        v = float(p_ch[ci] * ph[hi] * ps[si])
                        if v > 1e-4:
                            scores[s] += v
                            why[s].append(
                                f"hierarchy: chapter {ch} p={p_ch[ci]:.2f} -> heading {h} "
                                f"p={ph[hi]:.2f} -> {s} p={ps[si]:.2f}"
                            )

        # 2. Lexicon concepts, moved to a sibling subheading by attributes.
        hits = self.lex.match(text)
        if hits:
            attrs = self._attributes(listing)
            votes: dict[str, float] = defaultdict(float)
            for hit in hits:
                code = hit.concept.hs6
                for kind, val in attrs.items():
                    alt = hit.concept.by.get(kind, {}).get(val)
                    if alt is None and kind == "material":
                        alt = hit.concept.by.get("metal", {}).get(val)
                    if alt is not None:
                        why[alt].append(f"attribute {kind}={val} moves {code} to {alt}")
                        code = alt
                votes[code] += hit.weight
                why[code].append(f"lexicon: '{hit.term}' ({hit.lang})")
            total = sum(votes.values())
            # The lexicon outweighs retrieval: it names the product, retrieval reads words.
            model_mass = sum(scores.values()) or 1.0
            for code in scores:
                scores[code] = 0.3 * scores[code] / model_mass
            for code, v in votes.items():
                scores[code] = scores.get(code, 0.0) + 0.7 * v / total
        total = sum(scores.values())
        if total > 0:
            for code in scores:
                scores[code] /= total
        return dict(scores), dict(why)

    def classify(self, listing: Listing, top: int = 3) -> Classification:
        if not listing.title.strip():
            raise InvalidInput("title must be non-empty", where="title")
        # A merchant's catalogue repeats: the same listing classifies the same way, and the
        # engine checks every line item of every order. Keep recent answers (bounded).
        key = (
            listing.title,
            listing.description,
            listing.category,
            tuple(sorted(listing.attributes.items())),
            listing.price,
            listing.currency,
            top,
        )
        memo = self._memo
        hit = memo.get(key)
        if hit is not None:
            memo.move_to_end(key)
            return replace(hit, id=listing.id)
        result = self._classify(listing, top)
        memo[key] = result
        if len(memo) > _MEMO_SIZE:
            memo.popitem(last=False)
        return result

    def _classify(self, listing: Listing, top: int) -> Classification:
        scores, why = self.raw_scores(listing)
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:top]
        if not ranked:
            return Classification(listing.id, (), True, 0.0)
        raw_top = ranked[0][1]
        conf_top = self.calibration(raw_top)
        # Only the top score is calibrated; the runners-up share what is left of the
        # probability in their raw proportions, never above the top one.
        rest = (1.0 - conf_top) / (1.0 - raw_top) if raw_top < 1.0 else 0.0
        cands = tuple(
            Candidate(
                code,
                min(conf_top, s * rest) if i else conf_top,
                self.nom.entries[code].description,
                tuple(dict.fromkeys(why.get(code, []))),
            )
            for i, (code, s) in enumerate(ranked)
        )
        return Classification(listing.id, cands, conf_top < self.abstain_below, raw_top)

    def plausible(self, listing: Listing, hs6: str, top: int = 5) -> tuple[bool, Classification]:
        """Is a declared code plausible for the listing? Same heading as a top candidate, or
        the classifier abstains (then nothing is said against the declaration)."""
        c = self.classify(listing, top=top)
        if c.abstain:
            return True, c
        ok = any(cand.hs6[:4] == hs6[:4] for cand in c.candidates)
        return ok, c


_MEMO_SIZE = 20_000


@cache
def default_classifier() -> HSClassifier:
    return HSClassifier()
