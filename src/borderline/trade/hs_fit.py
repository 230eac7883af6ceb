"""Fitting the learned HS classifier (``hs_model.HSModel``) from labelled examples: the
hashed spaces and their idf, the short-text index, subheading and heading centroids, the
conditional-logit combination of the evidence and the acceptance model."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from borderline.trade.hs_model import (
    DEFAULT_ACCEPT_AT,
    FEATURES,
    TARGET_PRECISION,
    VAGUE,
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


#: Accepted tuning texts of one source needed before its own precision counts.
_MIN_ACCEPTED = 10


def _accept_threshold(
    m: HSModel, feats: np.ndarray, right: np.ndarray, sources: Sequence[str]
) -> float:
    """The lowest confidence at which the tuning texts' accepted answers are right at least
    ``TARGET_PRECISION`` of the time, pooled and for each source on its own (trader
    synonyms must not hide behind HTS lines) once ``_MIN_ACCEPTED`` of it are accepted;
    never below 0.5. The vague terms only count pooled: HMRC's list also holds product
    descriptions it judged too vague for a declaration ("lay's classic 54g"), which a
    subheading fits."""
    conf = 1.0 / (1.0 + np.exp(-(feats @ m.accept_coef + m.accept_intercept)))
    src = np.asarray(sources)
    per = [src == s for s in sorted(set(sources)) if s != "uk-vague"]
    for thr in np.arange(0.5, 0.96, 0.01):
        kept = conf >= thr
        if kept.sum() < 20 or right[kept].mean() < TARGET_PRECISION:
            continue
        if all(
            (k := kept & s).sum() < _MIN_ACCEPTED or right[k].mean() >= TARGET_PRECISION
            for s in per
        ):
            return round(float(thr), 2)
    return DEFAULT_ACCEPT_AT


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

    # Combination: a conditional logit (softmax over each text's shortlist) fitted on the
    # tuning texts whose right code made the shortlist.
    tune_rows = [e for e in tune if e.hs6 == VAGUE or e.hs6 in pos]
    ev = m._evidence([e.text for e in tune_rows], [e.said for e in tune_rows])
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

    # Acceptance: P(top-1 right) from the top probability, margin, vague similarity, length.
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
    m.meta["accept_at"] = _accept_threshold(
        m, np.vstack(ax), np.asarray(ay), [e.source for e in tune_rows]
    )
    m.meta["fit_seconds"] = round(time.perf_counter() - t0, 1)
    m.meta["n_train"] = len(ex)
    m.meta["n_tune"] = len(tune_rows)
    say(f"done ({time.perf_counter() - t0:.0f}s)")
    return m
