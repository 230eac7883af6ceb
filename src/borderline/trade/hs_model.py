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
   US HTS lines, HS 2022), in the word and the character space, (c) the same at heading level.
4. A logistic regression, fitted on held-out tuning text (``hs_sources.role``), weighs that
   evidence per candidate; a softmax over the shortlist gives P(subheading), and chapter and
   heading confidences are sums of it.
5. Acceptance: a second small logistic model maps the top probability, the margin and the
   similarity to the UK tariff's vague terms ("gift", "black, m") to P(top-1 correct). Below
   ``DEFAULT_ACCEPT_AT`` the answer is "needs review" with the candidates.

The fitted model is one ``.npz`` file shipped in the package (``data/hs-model.npz``); ``fit``
rebuilds it from the shipped sources (``borderline trade train``).
"""

from __future__ import annotations

import io
import itertools
import json
import re
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from borderline.errors import DataFileError

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


def _word_features(text: str) -> list[str]:
    ws = words(text)
    return ws + [f"{a} {b}" for a, b in itertools.pairwise(ws)]


def _char_features(text: str) -> list[str]:
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


class _Space:
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


def _centroids(x: sp.csr_matrix, labels: np.ndarray, n_labels: int, keep: int) -> sp.csr_matrix:
    """Per label, the normalised sum of its rows, pruned to the ``keep`` largest weights."""
    from sklearn.preprocessing import normalize

    ind = sp.csr_matrix(
        (np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
        shape=(n_labels, x.shape[0]),
    )
    c = (ind @ x).tocsr()
    rows, cols, vals = [], [], []
    for i in range(n_labels):
        s, e = c.indptr[i], c.indptr[i + 1]
        d, j = c.data[s:e], c.indices[s:e]
        if len(d) > keep:
            top = np.argpartition(-d, keep)[:keep]
            d, j = d[top], j[top]
        rows.append(np.full(len(d), i))
        cols.append(j)
        vals.append(d)
    out = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=c.shape,
        dtype=np.float32,
    )
    res: sp.csr_matrix = normalize(out)
    return res


@dataclass(frozen=True, slots=True)
class Prediction:
    """Candidates best first with P(subheading), chapter and heading confidences, and the
    calibrated confidence that the first candidate is right."""

    candidates: tuple[tuple[str, float], ...]
    chapters: tuple[tuple[str, float], ...]
    headings: tuple[tuple[str, float], ...]
    confidence: float
    vague: float


_MATRICES = (
    "short_t",
    "short_char_t",
    "cent_word_t",
    "cent_char_t",
    "head_word_t",
    "head_char_t",
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
)


class HSModel:
    """Fitted parts and the predict step. Build with :func:`fit`, or :meth:`load`."""

    def __init__(self) -> None:
        self.word = _Space(_word_features, _N_WORD)
        self.char = _Space(_char_features, _N_CHAR)
        self.labels: list[str] = []  # HS6 codes (centroid rows)
        self.heads: list[str] = []
        self.short_label: np.ndarray = np.zeros(0, dtype=np.int32)  # kNN row -> label index
        self.short_t: sp.csr_matrix = sp.csr_matrix((0, 0))  # features x short texts
        self.short_char_t: sp.csr_matrix = sp.csr_matrix((0, 0))
        self.cent_word_t: sp.csr_matrix = sp.csr_matrix((0, 0))
        self.cent_char_t: sp.csr_matrix = sp.csr_matrix((0, 0))
        self.head_word_t: sp.csr_matrix = sp.csr_matrix((0, 0))
        self.head_char_t: sp.csr_matrix = sp.csr_matrix((0, 0))
        self.coef = np.zeros(len(FEATURES), dtype=np.float64)
        self.intercept = 0.0
        self.accept_coef = np.zeros(4, dtype=np.float64)
        self.accept_intercept = 0.0
        self.meta: dict[str, Any] = {}
        self._head_of: np.ndarray = np.zeros(0, dtype=np.int32)
        self._word_all: sp.csr_matrix = sp.csr_matrix((0, 0))
        self._char_all: sp.csr_matrix = sp.csr_matrix((0, 0))

    # -- evidence ------------------------------------------------------------------------------

    def _evidence(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray, float]]:
        """Per text: shortlisted label indices, their feature matrix, vague similarity."""
        out: list[tuple[np.ndarray, np.ndarray, float]] = []
        for s in range(0, len(texts), 256):
            out.extend(self._evidence_chunk(texts[s : s + 256]))
        return out

    def _evidence_chunk(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray, float]]:
        qw = self.word.transform(texts)
        qc = self.char.transform(texts)
        # One product per space against the side-by-side matrices (see _index).
        aw = (qw @ self._word_all).toarray()
        ac = (qc @ self._char_all).toarray()
        n_short, n_lab = self.short_t.shape[1], len(self.labels)
        a, b = n_short, n_short + n_lab
        sim_short = 0.5 * (aw[:, :a] + ac[:, :a])
        cw, cc = aw[:, a:b], ac[:, a:b]
        hw, hc = aw[:, b:], ac[:, b:]
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
                ]
            )
            out.append((idx, f, vague))
        return out

    def _accept_features(self, probs: np.ndarray, vague: float, n_words: int) -> np.ndarray:
        top = np.sort(probs)[::-1]
        margin = top[0] - (top[1] if len(top) > 1 else 0.0)
        return np.asarray([top[0], margin, vague, float(n_words <= 1)])

    def predict_many(self, texts: Sequence[str], top: int = 3) -> list[Prediction]:
        out = []
        for text, (idx, f, vague) in zip(texts, self._evidence(texts), strict=True):
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
            af = self._accept_features(p, vague, len(words(text)))
            conf = float(1.0 / (1.0 + np.exp(-(af @ self.accept_coef + self.accept_intercept))))
            cands = tuple((self.labels[int(idx[o])], float(p[o])) for o in order[:top])
            chapters = tuple(sorted(chap.items(), key=lambda kv: -kv[1])[:3])
            headings = tuple(sorted(head.items(), key=lambda kv: -kv[1])[:3])
            out.append(Prediction(cands, chapters, headings, conf, vague))
        return out

    def predict(self, text: str, top: int = 3) -> Prediction:
        return self.predict_many([text], top)[0]

    # -- persistence ---------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {}
        for name in (
            "short_t",
            "short_char_t",
            "cent_word_t",
            "cent_char_t",
            "head_word_t",
            "head_char_t",
        ):
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
        arrays["coef"] = self.coef
        arrays["intercept"] = np.asarray([self.intercept])
        arrays["accept_coef"] = self.accept_coef
        arrays["accept_intercept"] = np.asarray([self.accept_intercept])
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
            for name in (
                "short_t",
                "short_char_t",
                "cent_word_t",
                "cent_char_t",
                "head_word_t",
                "head_char_t",
            ):
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
            m.coef = z["coef"]
            m.intercept = float(z["intercept"][0])
            m.accept_coef = z["accept_coef"]
            m.accept_intercept = float(z["accept_intercept"][0])
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
        if self.short_t.shape[0]:
            self._word_all = sp.hstack(
                [self.short_t, self.cent_word_t, self.head_word_t], format="csr"
            )
            self._char_all = sp.hstack(
                [self.short_char_t, self.cent_char_t, self.head_char_t], format="csr"
            )

    @property
    def accept_at(self) -> float:
        return float(self.meta.get("accept_at", DEFAULT_ACCEPT_AT))

    @property
    def version(self) -> str:
        return f"{MODEL_NAME}-{self.meta.get('trained', 'unknown')}"


# -- fitting ------------------------------------------------------------------------------------


def _accept_threshold(m: HSModel, feats: np.ndarray, right: np.ndarray) -> float:
    """The lowest confidence at which the tuning texts' accepted answers are right at least
    ``TARGET_PRECISION`` of the time (never below ``DEFAULT_ACCEPT_AT``'s floor of 0.5)."""
    conf = 1.0 / (1.0 + np.exp(-(feats @ m.accept_coef + m.accept_intercept)))
    for thr in np.arange(0.5, 0.96, 0.01):
        kept = conf >= thr
        if kept.sum() >= 20 and right[kept].mean() >= TARGET_PRECISION:
            return round(float(thr), 2)
    return DEFAULT_ACCEPT_AT


def _fit_conditional_logit(groups: list[tuple[np.ndarray, int]], l2: float = 1e-2) -> np.ndarray:
    """Weights maximising the mean log-softmax probability of each group's right row."""
    from scipy.optimize import minimize

    n_feat = groups[0][0].shape[1]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros(n_feat)
        for f, right in groups:
            z = f @ w
            zmax = z.max()
            e = np.exp(z - zmax)
            s = e.sum()
            p = e / s
            total -= z[right] - zmax - np.log(s)
            grad -= f[right] - p @ f
        n = len(groups)
        return total / n + l2 * float(w @ w), grad / n + 2 * l2 * w

    res = minimize(loss, np.zeros(n_feat), jac=True, method="L-BFGS-B")
    out: np.ndarray = res.x
    return out


_SHORT_SOURCES = (
    "uk-brand",
    "uk-synonym",
    "uk-parcel",
    "uk-vague",
    "lexicon",
    "lexicon-rule",
    "glossary",
    "team-train",
)


def fit(
    examples: Iterable[Any],
    tune: Sequence[Any],
    progress: Callable[[str], None] | None = None,
    trained: str = "",
) -> HSModel:
    """Fit on ``examples`` (``hs_sources.Example``); fit the combination and acceptance
    models on ``tune`` (examples never indexed)."""
    from sklearn.linear_model import LogisticRegression

    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    ex = list(examples)
    m = HSModel()
    labels = sorted({e.hs6 for e in ex if e.hs6 != VAGUE})
    m.labels = labels
    m.heads = sorted({c[:4] for c in labels})
    m._index()
    pos = {c: i for i, c in enumerate(labels)}
    vague_label = len(labels)
    kids: list[list[int]] = [[] for _ in m.heads]
    for i, h in enumerate(m._head_of):
        kids[int(h)].append(i)
    m.meta = {"vague_label": vague_label, "kids": kids, "trained": trained}

    texts = [e.text for e in ex]
    say(f"vectorising {len(texts)} texts")
    xw = m.word.counts(texts)
    xc = m.char.counts(texts)
    m.word.fit_idf(xw)
    m.char.fit_idf(xc)
    xw = m.word.weigh(xw)
    xc = m.char.weigh(xc)
    say(f"features ready ({time.perf_counter() - t0:.0f}s)")

    short = np.asarray([e.source in _SHORT_SOURCES for e in ex])
    lab = np.asarray([pos.get(e.hs6, vague_label) for e in ex], dtype=np.int32)
    m.short_label = lab[short]
    m.short_t = xw[short].T.tocsr()
    m.short_char_t = xc[short].T.tocsr()
    nom = ~short
    m.cent_word_t = _centroids(xw[nom], lab[nom], len(labels), keep=400).T.tocsr()
    m.cent_char_t = _centroids(xc[nom], lab[nom], len(labels), keep=600).T.tocsr()
    hl = m._head_of[lab[nom]]
    m.head_word_t = _centroids(xw[nom], hl, len(m.heads), keep=600).T.tocsr()
    m.head_char_t = _centroids(xc[nom], hl, len(m.heads), keep=800).T.tocsr()
    m._index()
    say(f"index built ({time.perf_counter() - t0:.0f}s)")

    # Combination: a conditional logit (softmax over each text's shortlist) fitted on the
    # tuning texts whose right code made the shortlist.
    tune_rows = [e for e in tune if e.hs6 == VAGUE or e.hs6 in pos]
    ev = m._evidence([e.text for e in tune_rows])
    groups: list[tuple[np.ndarray, int]] = []
    for e, (idx, f, _v) in zip(tune_rows, ev, strict=True):
        hit = [k for k, j in enumerate(idx) if labels[int(j)] == e.hs6]
        if e.hs6 != VAGUE and hit:
            groups.append((f, hit[0]))
    m.coef = _fit_conditional_logit(groups)
    m.intercept = 0.0
    say(f"combination fitted on {len(groups)} tuning texts ({time.perf_counter() - t0:.0f}s)")

    # Acceptance: P(top-1 right) from the top probability, margin, vague similarity, length.
    ax, ay = [], []
    for e, (idx, f, v) in zip(tune_rows, ev, strict=True):
        z = f @ m.coef + m.intercept
        p = np.exp(z - z.max())
        p /= p.sum()
        best = labels[int(idx[int(np.argmax(p))])]
        ax.append(m._accept_features(p, v, len(words(e.text))))
        ay.append(best == e.hs6)
    acc = LogisticRegression(C=1.0, max_iter=2000)
    acc.fit(np.vstack(ax), np.asarray(ay))
    m.accept_coef = acc.coef_[0].astype(np.float64)
    m.accept_intercept = float(acc.intercept_[0])
    m.meta["accept_at"] = _accept_threshold(m, np.vstack(ax), np.asarray(ay))
    m.meta["fit_seconds"] = round(time.perf_counter() - t0, 1)
    m.meta["n_train"] = len(ex)
    m.meta["n_tune"] = len(tune_rows)
    say(f"done ({time.perf_counter() - t0:.0f}s)")
    return m
