"""Fitting the learned HS classifier (``hs_model.HSModel``) from labelled examples: the
hashed spaces and their idf, the short-text index, subheading and heading centroids, the
conditional-logit combination of the evidence and the acceptance model."""

from __future__ import annotations

import copy
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from borderline.trade.hs_model import (
    FEATURES,
    TARGET_PRECISION,
    VAGUE,
    Evidence,
    HSModel,
    leaf_text,
)
from borderline.trade.hs_text import words


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


def naive_bayes(
    x: sp.csr_matrix, labels: np.ndarray, n_labels: int, alpha: float
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Multinomial naive Bayes over the short texts' weighted features: per label the
    sparse part log(1 + weight / alpha) (features x labels) and the bias
    log(alpha) - log(label mass + alpha * vocabulary); -inf for a label without texts, so
    a text scores ``q @ part + sum(q) * bias``."""
    ind = sp.csr_matrix(
        (np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
        shape=(n_labels, x.shape[0]),
    )
    c = (ind @ x).tocsr()
    mass = np.asarray(c.sum(axis=1)).ravel()
    vocab = len(np.unique(x.indices))
    part = c.copy()
    part.data = np.log1p(part.data / alpha)
    bias = np.where(mass > 0, np.log(alpha) - np.log(mass + alpha * vocab), -np.inf)
    return part.T.tocsr().astype(np.float32), bias


def leaf_matrix(m: HSModel) -> sp.csr_matrix:
    """Which word features each label's own subheading text (``leaf_text``) has (1/0)."""
    from borderline.trade.hs import nomenclature

    nom = nomenclature()
    texts = [leaf_text(e.description if (e := nom.get(c)) else "") for c in m.labels]
    x = m.word.counts(texts).tocsr()
    x.data[:] = 1.0
    return x.astype(np.float32)


def leaf_said(m: HSModel) -> list[list[str]]:
    """What each label's own subheading text names in the attribute rules' terms."""
    from borderline.trade.hs import nomenclature
    from borderline.trade.hs_text import tariff_words

    nom = nomenclature()
    return [tariff_words(leaf_text(e.description if (e := nom.get(c)) else "")) for c in m.labels]


#: Accepted tuning texts of one family needed before its own precision counts.
_MIN_ACCEPTED = 20


def family(source: str) -> str:
    """The kind of text a tuning source is, for the acceptance threshold: ``trader`` (search
    synonyms, parcel descriptions, brand list, and their cross-fitted copies), ``nomenclature``
    (CN, HTS, HS), ``vague`` or ``rules`` (the lexicon and the listings made from rules)."""
    base = source.split("/")[0]
    if base in _TRADER_SOURCES:
        return "trader"
    if base in ("cn", "us-hts", "hs2022"):
        return "nomenclature"
    return "vague" if base == "uk-vague" else "rules"


def _accept_threshold(
    m: HSModel, feats: np.ndarray, right: np.ndarray, sources: Sequence[str]
) -> float:
    """The lowest confidence at which the tuning texts' accepted answers are right at least
    ``TARGET_PRECISION`` of the time, pooled and for each family of text on its own (trader
    text must not hide behind HTS lines) once ``_MIN_ACCEPTED`` of it are accepted; never
    below 0.5, and the highest step (0.99) when none qualifies, not a default that would
    accept answers the tuning text says are wrong. Families, not single sources: a source
    with a dozen accepted texts decides a threshold by one or two of them. The vague terms
    only count pooled: HMRC's list also holds product descriptions it judged too vague for a
    declaration ("lay's classic 54g"), which a subheading fits."""
    conf = 1.0 / (1.0 + np.exp(-(feats @ m.accept_coef + m.accept_intercept)))
    fam = np.asarray([family(s) for s in sources])
    per = [fam == f for f in ("trader", "nomenclature", "rules")]
    for thr in np.arange(0.5, 0.995, 0.01):
        kept = conf >= thr
        if kept.sum() < 20 or right[kept].mean() < TARGET_PRECISION:
            continue
        if all(
            (k := kept & s).sum() < _MIN_ACCEPTED or right[k].mean() >= TARGET_PRECISION
            for s in per
        ):
            return round(float(thr), 2)
    return 0.99


def _fit_conditional_logit(
    groups: list[tuple[np.ndarray, int]],
    l2: float = 1e-2,
    offsets: list[np.ndarray] | None = None,
) -> np.ndarray:
    """Weights maximising the mean log-softmax probability of each group's right row; an
    offset per group (fixed scores from weights fitted before) is added to its rows."""
    from scipy.optimize import minimize

    n_feat = groups[0][0].shape[1]
    offs = offsets or [np.zeros(len(f)) for f, _ in groups]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros(n_feat)
        for (f, right), off in zip(groups, offs, strict=True):
            z = f @ w + off
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


def _fit_combination(groups: list[tuple[np.ndarray, int]], with_attrs: list[bool]) -> np.ndarray:
    """Two stages, so that listings without attributes score as if the attribute block did
    not exist: the retrieval weights on the tuning texts without attributes, then the
    attribute block's weights on those with (the retrieval weights held fixed)."""
    side = np.asarray([f.startswith("side_") for f in FEATURES])
    plain = [g for g, a in zip(groups, with_attrs, strict=True) if not a]
    attr = [g for g, a in zip(groups, with_attrs, strict=True) if a]
    coef = np.zeros(len(FEATURES))
    coef[~side] = _fit_conditional_logit([(f[:, ~side], r) for f, r in plain])
    if attr:
        offsets = [f[:, ~side] @ coef[~side] for f, _ in attr]
        coef[side] = _fit_conditional_logit([(f[:, side], r) for f, r in attr], offsets=offsets)
    return coef


#: Naive-Bayes smoothing, in units of the texts' L2-normalised TF-IDF weights.
_NB_ALPHA = 0.05

#: Short texts written by traders: the cross-fitted tuning text is made of them.
_TRADER_SOURCES = ("uk-synonym", "uk-parcel", "uk-brand")
#: Cross-fitted tuning text (``cross_fitted``): the share of trader codes whose texts are
#: queried with all of their source's texts of that code out of the index (unseen kind),
#: in that many folds; and the share of single trader texts queried with only themselves
#: out (seen kind), in that many folds.
_XFIT_UNSEEN, _XFIT_UNSEEN_FOLDS = 0.4, 4
_XFIT_SEEN, _XFIT_SEEN_FOLDS = 0.2, 2


def _h(key: str) -> float:
    return (zlib.crc32(key.encode()) % 1000) / 1000


def without(m: HSModel, keep: np.ndarray) -> HSModel:
    """A copy of ``m`` whose short-text index (kNN rows and the naive-Bayes view) holds only
    the rows ``keep`` marks; the nomenclature centroids are shared."""
    c = copy.copy(m)
    cols = np.flatnonzero(keep)
    c.short_t = m.short_t.tocsc()[:, cols].tocsr()
    c.short_char_t = m.short_char_t.tocsc()[:, cols].tocsr()
    c.short_label = m.short_label[cols]
    trader = c.short_label < m.meta["vague_label"]
    xw = c.short_t.T.tocsr()[trader]
    xc = c.short_char_t.T.tocsr()[trader]
    c.nb_word_t, bw = naive_bayes(xw, c.short_label[trader], len(m.labels), _NB_ALPHA)
    c.nb_char_t, bc = naive_bayes(xc, c.short_label[trader], len(m.labels), _NB_ALPHA)
    c.nb_bias = np.vstack([bw, bc])
    c._index()
    return c


def cross_fitted(m: HSModel, short: Sequence[Any]) -> list[tuple[Any, str, Evidence]]:
    """Tuning text of both kinds a trader query comes in, made from the trader texts in the
    index (``short``: the indexed short texts, in index order) by taking them out of it
    fold by fold: **unseen** (a code's texts of one source all out, as the whole-code
    measuring sets hold them out: the nearest trader texts belong to other codes) and
    **seen** (one text out while another of its source and subheading stays: the usual
    query). Each comes back as (example, source tag ``source/kind``, evidence from the
    index without it). Nothing here is measuring text: the measuring sets never reach the
    index."""
    out: list[tuple[Any, str, Evidence]] = []
    trader = [e.source in _TRADER_SOURCES for e in short]
    plans: list[tuple[str, np.ndarray]] = []

    def add_folds(
        kind: str, folds: int, share: float, salts: str, key: Callable[[Any], str]
    ) -> None:
        # a text takes part when its hash falls in ``share``; a second hash picks its fold
        pick, fold = salts.split(",")
        for k in range(folds):
            drop = [
                t
                and _h(f"{pick}:{key(e)}") < share
                and int(_h(f"{fold}:{key(e)}") * 1000) % folds == k
                for e, t in zip(short, trader, strict=True)
            ]
            plans.append((kind, np.asarray(drop)))

    add_folds(
        "unseen", _XFIT_UNSEEN_FOLDS, _XFIT_UNSEEN, "xu,xf", lambda e: f"{e.source}:{e.group}"
    )
    add_folds("seen", _XFIT_SEEN_FOLDS, _XFIT_SEEN, "xs,xg", lambda e: f"{e.source}:{e.text}")
    for kind, drop in plans:
        query = [e for e, d in zip(short, drop, strict=True) if d]
        if kind == "seen":
            kept = Counter((e.source, e.hs6) for e, d in zip(short, drop, strict=True) if not d)
            query = [e for e in query if kept[(e.source, e.hs6)] > 0]
        if not query:
            continue
        ev = without(m, ~drop)._evidence([e.text for e in query], [e.said for e in query])
        out.extend((e, f"{e.source}/{kind}", v) for e, v in zip(query, ev, strict=True))
    return out


def _fit_gate(m: HSModel, rows: Sequence[tuple[str, Evidence]]) -> None:
    """The seen-code gate: a logistic regression from ``HSModel.query_features`` to whether
    the nearest short text's code is the right one, fitted on the tuning text of every kind;
    the standardisation is folded into the stored weights."""
    from sklearn.linear_model import LogisticRegression

    x, y = [], []
    for hs6, (idx, f, v, u) in rows:
        if hs6 == VAGUE:
            continue
        x.append(m.query_features(f, v, u))
        km = f[:, 0]
        y.append(km.max() > 0 and m.labels[int(idx[int(np.argmax(km))])] == hs6)
    xa = np.vstack(x)
    mean, scale = xa.mean(axis=0), xa.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=1.0, max_iter=2000)
    lr.fit((xa - mean) / scale, np.asarray(y))
    coef = lr.coef_[0] / scale
    m.gate_coef = coef.astype(np.float64)
    m.gate_intercept = float(lr.intercept_[0] - coef @ mean)


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
    m.desc_word_t = leaf_matrix(m).T.tocsr()
    sl = lab[short]
    trader = sl < vague_label
    m.nb_word_t, bw = naive_bayes(xw[short][trader], sl[trader], len(labels), _NB_ALPHA)
    m.nb_char_t, bc = naive_bayes(xc[short][trader], sl[trader], len(labels), _NB_ALPHA)
    m.nb_bias = np.vstack([bw, bc])
    m.meta["leaf_said"] = leaf_said(m)
    m._index()
    say(f"index built ({time.perf_counter() - t0:.0f}s)")

    # Tuning text: the held-out tuning examples, plus trader texts of the index queried
    # with themselves (seen kind) or their whole code (unseen kind) out of it.
    tune_rows = [e for e in tune if e.hs6 == VAGUE or e.hs6 in pos]
    ev = m._evidence([e.text for e in tune_rows], [e.said for e in tune_rows])
    sources = [e.source for e in tune_rows]
    xfit = cross_fitted(m, [e for e, s in zip(ex, short, strict=True) if s])
    tune_rows += [e for e, _s, _v in xfit]
    ev += [v for _e, _s, v in xfit]
    sources += [s for _e, s, _v in xfit]
    say(f"{len(xfit)} cross-fitted trader texts ({time.perf_counter() - t0:.0f}s)")
    _fit_gate(m, [(e.hs6, v) for e, v in zip(tune_rows, ev, strict=True)])

    # Combination: a conditional logit (softmax over each text's shortlist) fitted on the
    # tuning texts whose right code made the shortlist.
    groups: list[tuple[np.ndarray, int]] = []
    with_attrs: list[bool] = []
    for e, (idx, f, _v, _u) in zip(tune_rows, ev, strict=True):
        hit = [k for k, j in enumerate(idx) if labels[int(j)] == e.hs6]
        if e.hs6 != VAGUE and hit:
            groups.append((f, hit[0]))
            with_attrs.append(bool(e.said))
    m.coef = _fit_combination(groups, with_attrs)
    m.intercept = 0.0
    say(f"combination fitted on {len(groups)} tuning texts ({time.perf_counter() - t0:.0f}s)")

    # Acceptance: P(top-1 right) from the top probability, margin, vague similarity, length,
    # the seen-code gate.
    ax, ay = [], []
    for e, (idx, f, v, u) in zip(tune_rows, ev, strict=True):
        z = f @ m.coef + m.intercept
        p = np.exp(z - z.max())
        p /= p.sum()
        best = labels[int(idx[int(np.argmax(p))])]
        ax.append(m._accept_features(p, f, v, u, len(words(e.text))))
        ay.append(best == e.hs6)
    acc = LogisticRegression(C=1.0, max_iter=2000)
    acc.fit(np.vstack(ax), np.asarray(ay))
    m.accept_coef = acc.coef_[0].astype(np.float64)
    m.accept_intercept = float(acc.intercept_[0])
    m.meta["accept_at"] = _accept_threshold(m, np.vstack(ax), np.asarray(ay), sources)
    m.meta["fit_seconds"] = round(time.perf_counter() - t0, 1)
    m.meta["n_train"] = len(ex)
    m.meta["n_tune"] = len(tune_rows)
    m.meta["n_cross_fitted"] = len(xfit)
    say(f"done ({time.perf_counter() - t0:.0f}s)")
    return m
