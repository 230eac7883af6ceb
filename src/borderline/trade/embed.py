"""Optional stronger HS backend: a sentence-embedding model reads the nomenclature.

Same interface as ``HSClassifier.classify``. How a listing becomes candidates:

1. The lexical classifier (``classify.py``) scores it as usual: chapter -> heading ->
   subheading over the nomenclature, lexicon votes, attribute splits.
2. A sentence-transformers model loaded from a local folder embeds the listing and compares
   it with the embedded description of every subheading, heading and chapter, and with
   labelled examples (the lexicon's English product terms, the training listings). Chinese
   goes in as its English gloss from the lexicon: all-MiniLM-L6-v2 reads English only, and
   the gloss measured better than the raw Chinese (see docs/benchmarks/trade.md).
3. Candidates are the union of the lexical shortlist, the nearest subheadings by embedding
   (subheading cosine plus a share of its heading's and chapter's) and the codes the nearest
   examples carry. A logistic-regression ranker over per-candidate features (lexical score,
   the lexical mass of its chapter and heading, cosine with its subheading/heading/chapter
   and the gap to the best of each, example votes, ranks) scores them; a softmax over the
   candidates is the probability, and the top one is calibrated (isotonic) to decide
   whether to abstain, as in the default backend.
4. Ranker and calibration depend on the model, so they are fitted the first time a model is
   used, on the shipped labelled listings (``hs-train.tsv`` + ``hs-eval.tsv``; an example is
   never its own neighbour), and cached on disk with the nomenclature embeddings, keyed by
   the model's files and the data. ``borderline bench trade --backend embedding``
   cross-fits them so no evaluation listing is scored by a ranker fitted on it.

Nothing is downloaded: the model is a folder the user names, loaded with ``HF_HUB_OFFLINE=1``
and ``local_files_only``; a missing folder or a missing package is a clear error that says
what to install.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from borderline.errors import InvalidInput
from borderline.trade.classify import (
    Calibration,
    Candidate,
    Classification,
    HSClassifier,
    Listing,
    training_listings,
)
from borderline.trade.embed_index import FEATURES, Fitted, Index, Ranker, Scored, softmax
from borderline.trade.embed_model import (
    check_model_path,
    encode,
    load_encoder,
    model_fingerprint,
    query_text,
)
from borderline.trade.lexicon import Lexicon

if TYPE_CHECKING:
    from borderline.trade.evaluation import LabelledListing

EMBED_VERSION = "hs-emb-rank-1"
# Measured on the training listings (docs/benchmarks/trade.md): 20 from each view keeps the
# gold code among the candidates for 98-99% of listings; 10 examples, softmax temperature
# 0.05; heading and chapter cosines weigh 0.3 each in the embedding view's ranking.
_SHORTLIST = 20
_EXAMPLES = 10
_EXAMPLE_TEMP = 0.05
_PARENT_WEIGHT = 0.3


class EmbeddingBackend:
    """Sentence embeddings of the nomenclature fused with the lexical classifier."""

    version = EMBED_VERSION

    def __init__(
        self,
        model_path: str | Path,
        base: HSClassifier | None = None,
        *,
        cache_dir: str | Path,
        abstain_below: float | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.model_path = check_model_path(model_path)
        self.base = base or HSClassifier()
        self.abstain_below = abstain_below if abstain_below is not None else self.base.abstain_below
        self.cache_dir = Path(cache_dir)
        self.progress = progress or (lambda msg: None)
        self.encoder = load_encoder(self.model_path)
        self._index: Index | None = None
        self._fitted: Fitted | None = None
        self._labelled_scored: list[Scored] | None = None
        self._folder: Path | None = None
        self.cache_hit = False

    @property
    def lex(self) -> Lexicon:
        return self.base.lex

    # -- the index ---------------------------------------------------------------------------

    @property
    def index(self) -> Index:
        if self._index is None:
            self._load()
        assert self._index is not None
        return self._index

    @property
    def fitted(self) -> Fitted:
        if self._fitted is None:
            self._load()
        assert self._fitted is not None
        return self._fitted

    def _documents(self) -> dict[str, list[tuple[str, str]]]:
        """(code, text) to embed: subheadings, headings, chapters, examples."""
        nom = self.base.nom
        subs = nom.subheadings()
        heads = sorted({e.code[:4] for e in subs})
        chaps = sorted({e.code[:2] for e in subs})

        def desc(code: str) -> str:
            entry = nom.get(code)
            return entry.description if entry else code

        examples: list[tuple[str, str]] = []
        for concept in self.lex.concepts:
            for term in concept.en:
                examples.append((concept.hs6, term))
        for hs6, title in training_listings():
            text = query_text(Listing(title=title), self.lex)
            examples.append((hs6, text))
        return {
            "sub": [(e.code, e.description) for e in subs],
            "head": [(h, desc(h)) for h in heads],
            "chap": [(c, desc(c)) for c in chaps],
            "ex": examples,
        }

    def _labelled(self) -> list[tuple[str, Listing]]:
        """The listings the ranker and calibration are fitted on: training + evaluation."""
        from borderline.trade.evaluation import load_eval

        rows = [(hs6, Listing(title=title)) for hs6, title in training_listings()]
        rows += [(r.hs6, r.listing) for r in load_eval()]
        return rows

    def _score_labelled(self, labelled: list[tuple[str, Listing]]) -> list[Scored]:
        # Fitting and cross-fitting score the same listings: once per index, kept on disk
        # (without the explanations, which only a user's classification needs).
        if self._labelled_scored is None and self._folder is not None:
            try:
                with np.load(self._folder / "labelled.npz") as z:
                    codes = [str(c) for c in z["codes"]]
                    feats = np.asarray(z["feats"])
                    ends = [int(e) for e in z["ends"]]
                if len(ends) == len(labelled):
                    starts = [0, *ends[:-1]]
                    self._labelled_scored = [
                        Scored(codes[a:b], feats[a:b], {})
                        for a, b in zip(starts, ends, strict=True)
                    ]
            except (OSError, ValueError, KeyError):
                pass
        if self._labelled_scored is None:
            listings = [listing for _, listing in labelled]
            self._labelled_scored = self.score_many(listings, leave_out_self=True)
        return self._labelled_scored

    def _cache_key(self, docs: dict[str, list[tuple[str, str]]]) -> str:
        h = hashlib.sha256()
        h.update(f"{EMBED_VERSION}\0{self.base.version}\0".encode())
        h.update(model_fingerprint(self.model_path).encode())
        h.update(json.dumps(docs, ensure_ascii=False).encode())
        h.update(repr(self.lex.concepts).encode())
        for hs6, listing in self._labelled():
            h.update(f"{hs6}\0{listing.text()}\0".encode())
        return h.hexdigest()[:24]

    def _load(self) -> None:
        docs = self._documents()
        key = self._cache_key(docs)
        folder = self.cache_dir / key
        self._folder = folder
        try:
            with np.load(folder / "index.npz") as z:
                index = Index.from_arrays(z)
            fitted_d = json.loads((folder / "ranker.json").read_text(encoding="utf-8"))
            fitted = Fitted(
                Ranker.from_json(fitted_d["ranker"]),
                Calibration(
                    tuple(fitted_d["calibration"]["x"]),
                    tuple(fitted_d["calibration"]["y"]),
                    fitted_d["calibration"].get("fitted_on", ""),
                ),
            )
        except (OSError, ValueError, KeyError):
            pass
        else:
            self._index, self._fitted, self.cache_hit = index, fitted, True
            return
        n = sum(len(v) for v in docs.values())
        self.progress(
            f"embedding {n} nomenclature descriptions and examples with {self.model_path} "
            f"(once per model; cached in {folder})"
        )
        index = Index(
            [c for c, _ in docs["sub"]],
            encode(self.encoder, [t for _, t in docs["sub"]]),
            [c for c, _ in docs["head"]],
            encode(self.encoder, [t for _, t in docs["head"]]),
            [c for c, _ in docs["chap"]],
            encode(self.encoder, [t for _, t in docs["chap"]]),
            [c for c, _ in docs["ex"]],
            [t for _, t in docs["ex"]],
            [""] * sum(1 for c in self.lex.concepts for _ in c.en)
            + [title for _, title in training_listings()],
            encode(self.encoder, [t for _, t in docs["ex"]]),
        )
        self._index = index
        labelled = self._labelled()
        self.progress(f"fitting the ranker on {len(labelled)} labelled listings")
        scored = self._score_labelled(labelled)
        golds = [hs6 for hs6, _ in labelled]
        fitted = self.fit(scored, golds, fitted_on=f"hs-train.tsv + hs-eval.tsv ({len(golds)})")
        self._fitted = fitted
        self._save(folder, index, fitted, scored)

    def _save(self, folder: Path, index: Index, fitted: Fitted, scored: list[Scored]) -> None:
        labelled = {
            "codes": np.asarray([c for s in scored for c in s.codes]),
            "feats": np.vstack([s.feats for s in scored]),
            "ends": np.cumsum([len(s.codes) for s in scored]),
        }
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name, arrays in (("labelled.npz", labelled), ("index.npz", index.arrays())):
                with tempfile.NamedTemporaryFile(dir=folder, suffix=".npz", delete=False) as fh:
                    np.savez(fh, **arrays)  # type: ignore[arg-type]
                os.replace(fh.name, folder / name)
            body = {
                "model": EMBED_VERSION,
                "model_path": str(self.model_path),
                "ranker": fitted.ranker.to_json(),
                "calibration": {
                    "x": fitted.calibration.xs,
                    "y": fitted.calibration.ys,
                    "fitted_on": fitted.calibration.fitted_on,
                },
            }
            tmp = folder / "ranker.json.tmp"
            tmp.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
            os.replace(tmp, folder / "ranker.json")
        except OSError as exc:
            # A read-only data folder costs the embedding time at every start, nothing more.
            self.progress(f"could not cache the embedding index in {folder}: {exc}")

    # -- scoring -----------------------------------------------------------------------------

    def fit(self, scored: Sequence[Scored], golds: Sequence[str], fitted_on: str) -> Fitted:
        """Fit the ranker, then the isotonic calibration of its top probability."""
        ranker = Ranker.fit(scored, golds)
        raw: list[float] = []
        correct: list[bool] = []
        for s, g in zip(scored, golds, strict=True):
            p = ranker.probabilities(s.feats)
            best = int(np.argmax(p))
            raw.append(float(p[best]))
            correct.append(s.codes[best] == g)
        return Fitted(ranker, Calibration.fit(raw, correct, fitted_on=fitted_on))

    def score_many(self, listings: Sequence[Listing], leave_out_self: bool = False) -> list[Scored]:
        """Candidates and features for many listings (one batched encoding).

        ``leave_out_self``: a training listing is not its own neighbour (for fitting and
        evaluation; a user's listing equal to a training one may use it)."""
        texts = [query_text(listing, self.lex) for listing in listings]
        qs = encode(self.encoder, texts)
        out = []
        for listing, q in zip(listings, qs, strict=True):
            lex_scores, lex_why = self.base.raw_scores(listing)
            out.append(self._score(listing, q, lex_scores, lex_why, leave_out_self))
        return out

    def _score(
        self,
        listing: Listing,
        q: np.ndarray,
        lex_scores: dict[str, float],
        lex_why: dict[str, list[str]],
        leave_out_self: bool,
    ) -> Scored:
        ix = self.index
        cos_sub = ix.sub @ q
        cos_head = ix.head @ q
        cos_chap = ix.chap @ q
        chap_mass: dict[str, float] = defaultdict(float)
        head_mass: dict[str, float] = defaultdict(float)
        for code, v in lex_scores.items():
            chap_mass[code[:2]] += v
            head_mass[code[:4]] += v

        # Examples: the nearest lexicon terms and training listings vote for their codes.
        sims = ix.ex @ q
        if leave_out_self:
            sims[ix.by_source.get(listing.title, [])] = -1.0
        near = np.argsort(-sims)[:_EXAMPLES]
        weights = softmax(sims[near], _EXAMPLE_TEMP)
        votes: dict[str, float] = defaultdict(float)
        head_votes: dict[str, float] = defaultdict(float)
        nearest: dict[str, tuple[str, float]] = {}
        for i, w in zip(near, weights, strict=True):
            code = ix.ex_codes[i]
            votes[code] += float(w)
            head_votes[code[:4]] += float(w)
            if code not in nearest:
                nearest[code] = (ix.ex_texts[i], float(sims[i]))

        view = cos_sub + _PARENT_WEIGHT * (cos_head[ix.head_of] + cos_chap[ix.chap_of])
        order = np.argsort(-view)[:200]
        emb_rank = {ix.sub_codes[j]: r for r, j in enumerate(order)}
        lex_ranked = sorted(lex_scores, key=lambda c: -lex_scores[c])
        lex_rank = {c: r for r, c in enumerate(lex_ranked)}
        codes = sorted(
            (set(lex_ranked[:_SHORTLIST]) | {ix.sub_codes[j] for j in order[:_SHORTLIST]})
            | {c for c in votes if c in ix.sub_pos}
        )
        best_sub, best_head, best_chap = cos_sub.max(), cos_head.max(), cos_chap.max()
        lex_max = max(lex_scores.values(), default=0.0)
        feats = np.empty((len(codes), len(FEATURES)))
        why: dict[str, list[str]] = {}
        for k, code in enumerate(codes):
            j = ix.sub_pos[code]
            h, c = ix.head_of[j], ix.chap_of[j]
            pl = lex_scores.get(code, 0.0)
            log_pl = float(np.log(pl + 1e-4))
            feats[k] = (
                pl,
                log_pl,
                chap_mass.get(code[:2], 0.0),
                head_mass.get(code[:4], 0.0),
                cos_sub[j],
                cos_head[h],
                cos_chap[c],
                cos_sub[j] - best_sub,
                cos_head[h] - best_head,
                cos_chap[c] - best_chap,
                votes.get(code, 0.0),
                head_votes.get(code[:4], 0.0),
                1.0 / (1 + lex_rank.get(code, 200)),
                1.0 / (1 + emb_rank.get(code, 200)),
                lex_max * log_pl,
                pl - lex_max,
            )
            reasons = list(dict.fromkeys(lex_why.get(code, [])))
            reasons.append(
                f"embedding: cosine subheading {cos_sub[j]:.2f}, heading {code[:4]} "
                f"{cos_head[h]:.2f}, chapter {code[:2]} {cos_chap[c]:.2f}"
            )
            if code in nearest:
                text, sim = nearest[code]
                reasons.append(f"embedding: near example '{text}' ({sim:.2f})")
            why[code] = reasons
        return Scored(codes, feats, why)

    def rank(
        self, scored: Scored, listing_id: str | None, top: int, fitted: Fitted | None = None
    ) -> Classification:
        """Rank scored candidates with a fitted ranker (the cached one by default)."""
        f = fitted or self.fitted
        p = f.ranker.probabilities(scored.feats)
        order = np.argsort(-p)[:top]
        raw_top = float(p[order[0]])
        conf_top = f.calibration(raw_top)
        # As in the default backend: only the top score is calibrated; the runners-up share
        # what is left in their ranker proportions, never above the top one.
        rest = (1.0 - conf_top) / (1.0 - raw_top) if raw_top < 1.0 else 0.0
        nom = self.base.nom
        cands = tuple(
            Candidate(
                scored.codes[j],
                min(conf_top, float(p[j]) * rest) if i else conf_top,
                nom.entries[scored.codes[j]].description,
                (*scored.why.get(scored.codes[j], ()), f"ranker p={float(p[j]):.2f}"),
            )
            for i, j in enumerate(order)
        )
        return Classification(listing_id, cands, conf_top < self.abstain_below, raw_top)

    def classify(self, listing: Listing, top: int = 3) -> Classification:
        if not listing.title.strip():
            raise InvalidInput("title must be non-empty", where="title")
        (scored,) = self.score_many([listing])
        return self.rank(scored, listing.id, top)

    def classify_many(self, listings: Sequence[Listing], top: int = 3) -> list[Classification]:
        """``classify`` for many listings, encoding them in one batch."""
        for i, listing in enumerate(listings):
            if not listing.title.strip():
                raise InvalidInput("title must be non-empty", where=f"[{i}].title")
        return [
            self.rank(s, listing.id, top)
            for s, listing in zip(self.score_many(listings), listings, strict=True)
        ]

    # -- honest evaluation -------------------------------------------------------------------

    def cross_fitted(self, rows: Sequence[LabelledListing], folds: int = 2) -> Precomputed:
        """Classifications of ``rows`` where each fold is ranked by a ranker fitted on the
        training listings and the other folds only (for ``borderline bench trade``)."""
        labelled = self._labelled()
        scored = self._score_labelled(labelled)
        by_title = {listing.title: s for (_, listing), s in zip(labelled, scored, strict=True)}
        row_scored = [
            by_title.get(r.listing.title) or self.score_many([r.listing], leave_out_self=True)[0]
            for r in rows
        ]
        out: dict[str | None, Classification] = {}
        for f in range(folds):
            held = {r.listing.title for i, r in enumerate(rows) if i % folds == f}
            keep = [i for i, (_, listing) in enumerate(labelled) if listing.title not in held]
            fitted = self.fit(
                [scored[i] for i in keep],
                [labelled[i][0] for i in keep],
                fitted_on=f"cross-fit fold {f}",
            )
            for i, r in enumerate(rows):
                if i % folds == f:
                    out[r.listing.id] = self.rank(row_scored[i], r.listing.id, 3, fitted)
        return Precomputed(out, self.lex)

    def retrieval_alone(self, rows: Sequence[LabelledListing]) -> Precomputed:
        """The embedding view on its own (nearest subheadings, no lexical classifier, no
        examples): what the model knows of the nomenclature by itself."""
        ix = self.index
        qs = encode(self.encoder, [query_text(r.listing, self.lex) for r in rows])
        out: dict[str | None, Classification] = {}
        for r, q in zip(rows, qs, strict=True):
            parents = (ix.head @ q)[ix.head_of] + (ix.chap @ q)[ix.chap_of]
            view = ix.sub @ q + _PARENT_WEIGHT * parents
            order = np.argsort(-view)[:3]
            cands = tuple(Candidate(ix.sub_codes[j], float(view[j]), "") for j in order)
            out[r.listing.id] = Classification(r.listing.id, cands, False, float(view[order[0]]))
        return Precomputed(out, self.lex)


class Precomputed:
    """Answers ``classify`` from classifications computed beforehand (by listing id)."""

    def __init__(self, results: dict[str | None, Classification], lex: Lexicon) -> None:
        self.results = results
        self.lex = lex

    def classify(self, listing: Listing, top: int = 3) -> Classification:
        return self.results[listing.id]
