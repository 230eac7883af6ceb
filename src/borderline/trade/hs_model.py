"""The learned HS 2022 classifier: retrieval over real tariff and trader text, a learned
score combination, and calibrated, hierarchical confidence.

How a listing becomes candidates (``HSModel.predict``):

1. Text: title, description, attribute pairs and the category path become one string; the
   attributes that decide chapters (material, composition, metal, gender, power source, use)
   are repeated so they weigh like the title. Words are case-folded, accents stripped, English
   plurals folded; Chinese runs become character unigrams and bigrams (no segmenter needed).
2. Features: hashed TF-IDF word unigrams+bigrams, and hashed character 3-5-grams within words
   (they carry a German or Polish compound, a typo, an abbreviated trader word).
3. Evidence per subheading: (a) nearest neighbours among the short texts people write (the
   UK tariff's search synonyms, trader parcel descriptions, the lexicon's product terms),
   (b) cosine to the subheading's centroid of nomenclature text (CN 2026 in five languages,
   US HTS lines, HS 2022), in the word and the character space, (c) the same at heading level,
   (d) the attribute block (``ListingText.said``): how much of the tariff wording
   of the listing's material, make and gender a candidate's own subheading text contains, and
   how far it falls short of the best candidate of its chapter, (e) a multinomial naive-Bayes
   view of the short texts per subheading, word and character (brand and abbreviation words
   that recur in a code's trader texts), (f) ``cover``: the share of the text's word mass
   that the candidate's known words (its own text, centroid and short texts) hold.
4. A logistic regression, fitted on held-out tuning text (``hs_sources.role``), weighs that
   evidence per candidate; a softmax over the shortlist gives P(subheading), and chapter and
   heading confidences are sums of it.
5. Acceptance: a second small logistic model maps the top probability, the margin, the
   similarity to the UK tariff's vague terms ("gift", "black, m"), the share of unseen words,
   whether retrieval and nomenclature agree, the top answer's ``cover`` and the seen-code
   gate to P(top-1 correct). The gate (``HSModel.gate``) is P(the nearest trader text's
   code is right) read from how close and how consistent the nearest short texts are: high
   for a query whose code other traders' texts already cover, low for a product no trader
   text names, where trusting the nearest text is a guess. Below the threshold ``fit``
   chose (``accept_at``: 85% right on the tuning text, pooled and per family of text:
   trader, nomenclature, rules) the answer is "needs review" with the candidates.
4-5 are fitted on tuning text that includes trader texts of the index queried with
themselves or their whole code taken out of it (``hs_fit.cross_fitted``), so both kinds of
trader query, seen and unseen code, weigh in.

The fitted model is one ``.npz`` file shipped in the package (``data/hs-model.npz``); ``fit``
rebuilds it from the shipped sources (``borderline trade train``).
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from borderline.errors import DataFileError
from borderline.trade.hs_text import Space, char_features, word_features, words

MODEL_NAME = "hs-knn-centroid"
#: Confidence at or above which the top answer is accepted (see docs/trade.md for how it
#: was chosen on the tuning split).
DEFAULT_ACCEPT_AT = 0.6
#: The share of accepted answers that should be right; ``fit`` picks the threshold for it.
TARGET_PRECISION = 0.85
VAGUE = "vague"
_N_WORD = 1 << 20
_N_CHAR = 1 << 20
_SHORTLIST = 30
_KNN = 25
#: Subheadings the naive-Bayes view of the short texts adds to the shortlist.
_NB_SHORTLIST = 10
#: What the seen-code gate reads of a query's evidence (``query_features``).
GATE_FEATURES = (
    "knn_top",
    "knn_gap",
    "knn_consistency",
    "log_knn_labels",
    "cent_top",
    "knn_cent_agree",
    "knn_nb_agree",
    "nb_gap",
    "unseen",
    "vague",
    "knn_top_x_consistency",
)


@dataclass(frozen=True, slots=True)
class Prediction:
    """Candidates best first with P(subheading), chapter and heading confidences, and the
    calibrated confidence that the first candidate is right."""

    candidates: tuple[tuple[str, float], ...]
    chapters: tuple[tuple[str, float], ...]
    headings: tuple[tuple[str, float], ...]
    confidence: float
    vague: float


#: Per text: shortlisted label indices, their evidence features, the similarity to the
#: vague terms, and the share of its words no training text has.
Evidence = tuple[np.ndarray, np.ndarray, float, float]

_MATRICES = (
    "short_t",
    "short_char_t",
    "cent_word_t",
    "cent_char_t",
    "head_word_t",
    "head_char_t",
    "desc_word_t",
    "nb_word_t",
    "nb_char_t",
)
FEATURES = (
    "knn_max",
    "knn_sum",
    "cent_word",
    "cent_char",
    "head_word",
    "head_char",
    "head_knn",
    "chap_knn",
    "rank_knn",
    "rank_cent",
    "nb_word",
    "nb_char",
    "cover",
    "side_said",
    "side_match",
    "side_clash",
)
_NOT_KNITTED = re.compile(r"\(?\bnot knitted or crocheted\)?")
_EXCEPT = re.compile(
    r"\((?:other than|excluding|not)\b[^)]*\)|\b(?:other than|excluding|whether or not)\b[^,;:()]*"
)


def leaf_text(description: str) -> str:
    """A subheading's own description without its exclusions and indifferences ("of textile
    materials (other than cotton)" names no cotton, "of silver, whether or not plated" no
    plating; "(not knitted or crocheted)" reads as woven): what a listing's tariff wording is
    matched against."""
    return _EXCEPT.sub(" ", _NOT_KNITTED.sub(" woven ", description))


class HSModel:
    """Fitted parts and the predict step. Build with :func:`fit`, or :meth:`load`."""

    def __init__(self) -> None:
        self.word = Space(word_features, _N_WORD)
        self.char = Space(char_features, _N_CHAR)
        self.labels: list[str] = []  # HS6 codes (centroid rows)
        self.heads: list[str] = []
        self.short_label: np.ndarray = np.zeros(0, dtype=np.int32)  # kNN row -> label index
        self.short_t: sp.csr_matrix = sp.csr_matrix((0, 0))  # features x short texts
        self.short_char_t: sp.csr_matrix = sp.csr_matrix((0, 0))
        self.cent_word_t: sp.csr_matrix = sp.csr_matrix((0, 0))
        self.cent_char_t: sp.csr_matrix = sp.csr_matrix((0, 0))
        self.head_word_t: sp.csr_matrix = sp.csr_matrix((0, 0))
        self.head_char_t: sp.csr_matrix = sp.csr_matrix((0, 0))
        # features x subheadings: 1 where a subheading's own text has the feature
        self.desc_word_t: sp.csr_matrix = sp.csr_matrix((0, 0))
        # features x subheadings: naive-Bayes log-weights of the short texts' words / grams
        # (log(1 + weight / alpha)), and per subheading the bias term (-inf without any)
        self.nb_word_t: sp.csr_matrix = sp.csr_matrix((0, 0))
        self.nb_char_t: sp.csr_matrix = sp.csr_matrix((0, 0))
        self.nb_bias: np.ndarray = np.zeros((2, 0), dtype=np.float64)
        self.coef = np.zeros(len(FEATURES), dtype=np.float64)
        self.intercept = 0.0
        self.accept_coef = np.zeros(10, dtype=np.float64)
        self.accept_intercept = 0.0
        # the seen-code gate: logistic weights over ``GATE_FEATURES``
        self.gate_coef = np.zeros(len(GATE_FEATURES), dtype=np.float64)
        self.gate_intercept = 0.0
        self.meta: dict[str, Any] = {}
        self._head_of: np.ndarray = np.zeros(0, dtype=np.int32)
        self._chapter_of: np.ndarray = np.zeros(0, dtype=np.int32)
        self._word_all: sp.csr_matrix = sp.csr_matrix((0, 0))
        self._char_all: sp.csr_matrix = sp.csr_matrix((0, 0))
        self._known: sp.csr_matrix = sp.csr_matrix((0, 0))

    # -- evidence ------------------------------------------------------------------------------

    def _evidence(self, texts: Sequence[str], saids: Sequence[str] | None = None) -> list[Evidence]:
        """Per text: shortlisted label indices, their feature matrix, vague similarity.
        ``saids`` (one per text, may be empty) are the tariff wording of the listings'
        deciding attributes and category path (``ListingText.said``)."""
        saids = list(saids) if saids is not None else [""] * len(texts)
        out: list[Evidence] = []
        for s in range(0, len(texts), 256):
            out.extend(self._evidence_chunk(texts[s : s + 256], saids[s : s + 256]))
        return out

    def _coverage(self, texts: Sequence[str]) -> np.ndarray:
        """Per text and subheading: the share of the text's (squared, idf-weighted) word
        mass that the subheading's own text contains; unlike a cosine it does not favour a
        short subheading text over a long one that says the same."""
        q = self.word.transform(texts)
        q = q.multiply(q).tocsr()
        out: np.ndarray = (q @ self.desc_word_t).toarray()
        return out

    def _side_fit(self, said: str, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per candidate, over what the listing's attributes tell (material, make, gender,
        power): 1 when its own subheading text names some of it and all compatibly ("of
        silver" for sterling silver, "of base metal" for zinc alloy), and how many it names
        otherwise ("of silver" for zinc alloy, "men's or boys'" for women). A subheading that
        names none ("T-shirts … of textile materials" for a gender) is neither. Naming more
        earns nothing: a women's cotton skirt fits a women's cotton T-shirt listing no better
        than the cotton T-shirt subheading does."""
        from borderline.trade.hs_text import compatible, kind_of

        match = np.zeros(len(idx))
        clash = np.zeros(len(idx))
        told: dict[str, list[str]] = defaultdict(list)
        for t in said.split(" ; "):
            if t:
                told[kind_of(t)].append(t)
        if not told:
            return match, clash
        leaf = self.meta["leaf_said"]
        for k, j in enumerate(idx):
            named: dict[str, list[str]] = defaultdict(list)
            for t in leaf[int(j)]:
                named[kind_of(t)].append(t)
            fits = {
                kind: any(compatible(a, b) for a in ts for b in named[kind])
                for kind, ts in told.items()
                if kind in named
            }
            clash[k] = list(fits.values()).count(False)
            # "electric" in a subheading's text says little about what the product is (a
            # battery-powered earbud is no electric motor): power can clash, never match
            match[k] = float(all(fits.values()) and any(kd != "power" for kd in fits))
        return match, clash

    def _evidence_chunk(self, texts: Sequence[str], saids: Sequence[str]) -> list[Evidence]:
        said_cov = self._coverage(saids) if any(saids) else None
        qw = self.word.transform(texts)
        unseen_idf = float(self.word.idf.max())
        qc = self.char.transform(texts)
        # One product per space against the side-by-side matrices (see _index).
        aw = (qw @ self._word_all).toarray()
        ac = (qc @ self._char_all).toarray()
        n_short, n_lab, n_head = self.short_t.shape[1], len(self.labels), len(self.heads)
        a, b, c = n_short, n_short + n_lab, n_short + n_lab + n_head
        sim_short = 0.5 * (aw[:, :a] + ac[:, :a])
        cw, cc = aw[:, a:b], ac[:, a:b]
        hw, hc = aw[:, b:c], ac[:, b:c]
        nbw = self._nb_relative(aw[:, c:], np.asarray(qw.sum(axis=1)).ravel(), 0)
        nbc = self._nb_relative(ac[:, c:], np.asarray(qc.sum(axis=1)).ravel(), 1)
        cover = (qw.multiply(qw).tocsr() @ self._known).toarray()
        n_lab = len(self.labels)
        vague_idx = self.meta["vague_label"]
        out = []
        for i in range(len(texts)):
            s = sim_short[i]
            k = min(_KNN, len(s))
            nn = np.argpartition(-s, k - 1)[:k]
            knn_max = np.zeros(n_lab + 1, dtype=np.float64)
            knn_sum = np.zeros(n_lab + 1, dtype=np.float64)
            for j in nn:
                lab = self.short_label[j]
                v = float(s[j])
                if v <= 0:
                    continue
                knn_max[lab] = max(knn_max[lab], v)
                knn_sum[lab] += v
            vague = float(knn_max[vague_idx])
            knn_max = knn_max[:n_lab]
            knn_sum = knn_sum[:n_lab]
            cent = 0.5 * (cw[i] + cc[i])
            short = set(np.argpartition(-cent, _SHORTLIST)[:_SHORTLIST].tolist())
            short.update(int(j) for j in np.flatnonzero(knn_max > 0))
            nb = nbw[i] + nbc[i]
            short.update(np.argpartition(-nb, _NB_SHORTLIST)[:_NB_SHORTLIST].tolist())
            # The best subheadings of the best headings, so a heading that reads right
            # brings its children into the shortlist.
            hsum = 0.5 * (hw[i] + hc[i])
            for h in np.argpartition(-hsum, 5)[:5]:
                kids = self.meta["kids"][int(h)]
                short.update(kids)
            idx = np.asarray(sorted(short), dtype=np.int64)
            head_of = self._head_of[idx]
            # heading/chapter aggregates of kNN evidence
            head_knn: dict[int, float] = defaultdict(float)
            chap_knn: dict[str, float] = defaultdict(float)
            for j in np.flatnonzero(knn_max > 0):
                head_knn[int(self._head_of[j])] = max(head_knn[int(self._head_of[j])], knn_max[j])
                ch = self.labels[j][:2]
                chap_knn[ch] = max(chap_knn[ch], knn_max[j])
            # Reciprocal ranks; a candidate with no evidence of a kind has no rank in it.
            rank_knn = np.where(
                knn_max[idx] > 0, 1.0 / (1.0 + np.argsort(np.argsort(-knn_max[idx]))), 0.0
            )
            rank_cent = np.where(
                cent[idx] > 0.05, 1.0 / (1.0 + np.argsort(np.argsort(-cent[idx]))), 0.0
            )
            f = np.column_stack(
                [
                    knn_max[idx],
                    knn_sum[idx],
                    cw[i][idx],
                    cc[i][idx],
                    hw[i][head_of],
                    hc[i][head_of],
                    [head_knn.get(int(h), 0.0) for h in head_of],
                    [chap_knn.get(self.labels[j][:2], 0.0) for j in idx],
                    rank_knn,
                    rank_cent,
                    nbw[i][idx],
                    nbc[i][idx],
                    cover[i][idx],
                    said_cov[i][idx] if said_cov is not None else np.zeros(len(idx)),
                    *self._side_fit(saids[i], idx),
                ]
            )
            row = qw.indices[qw.indptr[i] : qw.indptr[i + 1]]
            unseen = float(np.mean(self.word.idf[row] >= unseen_idf)) if len(row) else 1.0
            out.append((idx, f, vague, unseen))
        return out

    def _nb_relative(self, scores: np.ndarray, mass: np.ndarray, space: int) -> np.ndarray:
        """Per text and subheading, the naive-Bayes likelihood of the text under the
        subheading's short texts relative to the best subheading's (1 for the best, 0 for a
        subheading no short text names)."""
        bias = self.nb_bias[space]
        named = np.isfinite(bias)
        z = scores + mass[:, None] * np.where(named, bias, 0.0)[None, :]
        z[:, ~named] = -np.inf
        z -= z.max(axis=1, keepdims=True)
        out: np.ndarray = np.exp(z)
        return out

    @staticmethod
    def query_features(f: np.ndarray, vague: float, unseen: float) -> np.ndarray:
        """What the seen-code gate reads (``GATE_FEATURES``): how close the nearest short
        text is and how far ahead of the next code's, how much of the nearest texts' weight
        one code holds and over how many codes it is spread, how close the best
        nomenclature centroid is, whether the nearest texts agree with the centroids and
        with naive Bayes on the best code, naive Bayes' lead, unseen words, vagueness."""
        km, ks = f[:, 0], f[:, 1]
        top = float(km.max()) if len(km) else 0.0
        srt = np.sort(km)[::-1]
        second = float(srt[1]) if len(srt) > 1 else 0.0
        tot = float(ks.sum())
        cons = float(ks.max()) / tot if tot > 0 else 0.0
        cent = 0.5 * (f[:, 2] + f[:, 3])
        nb = f[:, FEATURES.index("nb_word")] + f[:, FEATURES.index("nb_char")]
        nbs = np.sort(nb)[::-1]
        seen = top > 0
        return np.asarray(
            [
                top,
                top - second,
                cons,
                float(np.log1p((km > 0).sum())),
                float(cent.max()) if len(cent) else 0.0,
                float(seen and np.argmax(km) == np.argmax(cent)),
                float(seen and np.argmax(km) == np.argmax(nb)),
                float(nbs[0] - (nbs[1] if len(nbs) > 1 else 0.0)) if len(nbs) else 0.0,
                unseen,
                vague,
                top * cons,
            ]
        )

    def gate(self, f: np.ndarray, vague: float, unseen: float) -> float:
        """P(the code of the nearest short text is right): the seen-code gate."""
        z = float(self.query_features(f, vague, unseen) @ self.gate_coef + self.gate_intercept)
        return 1.0 / (1.0 + float(np.exp(-z)))

    def _accept_features(
        self, probs: np.ndarray, f: np.ndarray, vague: float, unseen: float, n_words: int
    ) -> np.ndarray:
        """What the acceptance model reads: the top probability and its margin, the
        similarity to vague terms, a one-word flag, the share of the text's words no
        training text has (a brand, an abbreviation: the model is guessing), whether
        the nearest short texts and the nomenclature text agree on the top answer, and how
        much of the text's word mass the top answer's known words cover (a near synonym of
        a neighbouring code leaves its distinctive word uncovered: "tea urns" -> tea), and
        the seen-code gate, alone, times the top probability, and the top answer's nearest
        short text (a confident answer for a code no trader text backs is a guess)."""
        order = np.argsort(-probs)
        top = probs[order]
        margin = top[0] - (top[1] if len(top) > 1 else 0.0)
        best = int(order[0])
        agree = float(
            f[best, 0] > 0
            and f[best, 0] >= f[:, 0].max()
            and f[best, 2] + f[best, 3] >= (f[:, 2] + f[:, 3]).max()
        )
        cover = float(f[best, FEATURES.index("cover")])
        g = self.gate(f, vague, unseen)
        return np.asarray(
            [
                top[0],
                margin,
                vague,
                float(n_words <= 1),
                unseen,
                agree,
                cover,
                g,
                g * top[0],
                float(f[best, 0]),
            ]
        )

    def predict_many(
        self,
        texts: Sequence[str],
        top: int = 3,
        saids: Sequence[str] | None = None,
    ) -> list[Prediction]:
        out = []
        ev = self._evidence(texts, saids)
        for text, (idx, f, vague, unseen) in zip(texts, ev, strict=True):
            z = f @ self.coef + self.intercept
            p = np.exp(z - z.max())
            p /= p.sum()
            order = np.argsort(-p)
            chap: dict[str, float] = defaultdict(float)
            head: dict[str, float] = defaultdict(float)
            for j, pj in zip(idx, p, strict=True):
                code = self.labels[int(j)]
                chap[code[:2]] += float(pj)
                head[code[:4]] += float(pj)
            af = self._accept_features(p, f, vague, unseen, len(words(text)))
            conf = float(1.0 / (1.0 + np.exp(-(af @ self.accept_coef + self.accept_intercept))))
            cands = tuple((self.labels[int(idx[o])], float(p[o])) for o in order[:top])
            chapters = tuple(sorted(chap.items(), key=lambda kv: -kv[1])[:3])
            headings = tuple(sorted(head.items(), key=lambda kv: -kv[1])[:3])
            out.append(Prediction(cands, chapters, headings, conf, vague))
        return out

    def predict(self, text: str, top: int = 3, said: str = "") -> Prediction:
        return self.predict_many([text], top, [said])[0]

    # -- persistence ---------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {}
        for name in _MATRICES:
            m = getattr(self, name).tocsr()
            arrays[f"{name}.data"] = m.data.astype(np.float16)
            arrays[f"{name}.indices"] = m.indices.astype(np.int32)
            arrays[f"{name}.indptr"] = m.indptr.astype(np.int32)
            arrays[f"{name}.shape"] = np.asarray(m.shape, dtype=np.int64)
        for name, space in (("word", self.word), ("char", self.char)):
            nz = np.flatnonzero(space.idf != space.idf.max())
            arrays[f"{name}.idf_index"] = nz.astype(np.int32)
            arrays[f"{name}.idf_value"] = space.idf[nz].astype(np.float16)
            arrays[f"{name}.idf_default"] = np.asarray([space.idf.max()], dtype=np.float32)
        arrays["short_label"] = self.short_label.astype(np.int32)
        arrays["nb_bias"] = self.nb_bias
        arrays["coef"] = self.coef
        arrays["intercept"] = np.asarray([self.intercept])
        arrays["accept_coef"] = self.accept_coef
        arrays["accept_intercept"] = np.asarray([self.accept_intercept])
        arrays["gate_coef"] = self.gate_coef
        arrays["gate_intercept"] = np.asarray([self.gate_intercept])
        meta = dict(self.meta, labels=self.labels, heads=self.heads)
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        path.write_bytes(buf.getvalue())

    @classmethod
    def load(cls, path: Path) -> HSModel:
        if not path.is_file():
            raise DataFileError(
                "no HS model file; build it with 'borderline trade train'", where=str(path)
            )
        m = cls()
        try:
            z = np.load(path, allow_pickle=False)
            for name in _MATRICES:
                shape = tuple(int(v) for v in z[f"{name}.shape"])
                mat = sp.csr_matrix(
                    (
                        z[f"{name}.data"].astype(np.float32),
                        z[f"{name}.indices"],
                        z[f"{name}.indptr"],
                    ),
                    shape=shape,
                )
                setattr(m, name, mat)
            for name, space in (("word", m.word), ("char", m.char)):
                idf = np.full(space.n, float(z[f"{name}.idf_default"][0]), dtype=np.float32)
                idf[z[f"{name}.idf_index"]] = z[f"{name}.idf_value"].astype(np.float32)
                space.idf = idf
            m.short_label = z["short_label"]
            m.nb_bias = z["nb_bias"]
            m.coef = z["coef"]
            m.intercept = float(z["intercept"][0])
            m.accept_coef = z["accept_coef"]
            m.accept_intercept = float(z["accept_intercept"][0])
            m.gate_coef = z["gate_coef"]
            m.gate_intercept = float(z["gate_intercept"][0])
            meta = json.loads(bytes(z["meta"]).decode())
        except (OSError, KeyError, ValueError) as exc:
            raise DataFileError(f"not an HS model file: {exc}", where=str(path)) from None
        m.labels = list(meta.pop("labels"))
        m.heads = list(meta.pop("heads"))
        meta["kids"] = [list(k) for k in meta["kids"]]
        m.meta = meta
        m._index()
        return m

    def _index(self) -> None:
        hpos = {h: i for i, h in enumerate(self.heads)}
        self._head_of = np.asarray([hpos[c[:4]] for c in self.labels], dtype=np.int32)
        self._chapter_of = np.asarray([int(c[:2]) for c in self.labels], dtype=np.int32)
        if self.short_t.shape[0]:
            self._word_all = sp.hstack(
                [self.short_t, self.cent_word_t, self.head_word_t, self.nb_word_t], format="csr"
            )
            self._char_all = sp.hstack(
                [self.short_char_t, self.cent_char_t, self.head_char_t, self.nb_char_t],
                format="csr",
            )
            # features x subheadings: 1 where the subheading's own text, its nomenclature
            # centroid or its short texts have the word (what ``cover`` reads)
            known = (abs(self.nb_word_t) + abs(self.desc_word_t) + abs(self.cent_word_t)).tocsr()
            known.data[:] = 1.0
            self._known = known.astype(np.float32)

    @property
    def accept_at(self) -> float:
        return float(self.meta.get("accept_at", DEFAULT_ACCEPT_AT))

    @property
    def version(self) -> str:
        return f"{MODEL_NAME}-{self.meta.get('trained', 'unknown')}"
