"""The HS classifier's measuring splits (whole-code and seen-code), the naive-Bayes view of
the short texts, the cross-fitted trader tuning text, the seen-code gate, and the
per-family acceptance threshold."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp

from borderline.bench.hs_devsets import SETS, dev_sets
from borderline.trade.hs_fit import _SHORT_SOURCES, _accept_threshold, family, naive_bayes, without
from borderline.trade.hs_sources import SEEN_ROLES, Example, examples_by_role
from borderline.trade.learned import learned_classifier


@pytest.fixture(scope="module")
def by_role() -> dict[str, list[Example]]:
    return examples_by_role()


def test_seen_code_text_is_held_out_but_its_code_is_in_the_index(
    by_role: dict[str, list[Example]],
) -> None:
    indexed = {(e.source, e.text.casefold()) for e in by_role["train"] + by_role["tune"]}
    covered = {(e.source, e.hs6) for e in by_role["train"]}
    whole = {(e.source, e.group) for e in by_role["dev"] + by_role["test"]}
    halves = []
    for r in SEEN_ROLES:
        items = by_role[r]
        assert {e.source for e in items} == {"uk-parcel", "uk-synonym"}
        # the text itself is never trained or tuned on ...
        assert [e for e in items if (e.source, e.text.casefold()) in indexed] == []
        # ... its subheading keeps other texts of the same source in the index ...
        assert all((e.source, e.hs6) in covered for e in items)
        # ... and it is no whole-code held-out group
        assert all((e.source, e.group) not in whole for e in items)
        sizes = Counter(e.source for e in items)
        assert sizes["uk-parcel"] > 100 and sizes["uk-synonym"] > 200, (r, sizes)
        halves.append({(e.source, e.text.casefold()) for e in items})
    assert halves[0].isdisjoint(halves[1])


def test_dev_sets_have_both_kinds_labelled() -> None:
    sets = dev_sets(limit=20, split="dev")
    assert tuple(sets) == SETS
    assert {"uk-parcel-seen", "uk-synonym-seen"} <= set(sets)
    assert all(len(sets[s]) == 20 for s in ("uk-parcel-seen", "uk-synonym-seen"))
    with pytest.raises(ValueError, match="split"):
        dev_sets(limit=5, split="seen-dev")


def test_naive_bayes_prefers_the_label_whose_texts_have_the_word() -> None:
    # three texts over four features: label 0 has features 0 and 1, label 1 has 2 and 3,
    # label 2 has no text at all
    x = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 1]], dtype=np.float32))
    part, bias = naive_bayes(x, np.array([0, 0, 1]), 3, alpha=0.05)
    assert part.shape == (4, 3)
    assert np.isneginf(bias[2]) and np.isfinite(bias[:2]).all()
    q = sp.csr_matrix(np.array([[1, 0, 0, 0]], dtype=np.float32))
    score = (q @ part).toarray()[0] + q.sum() * np.where(np.isfinite(bias), bias, 0)
    assert score[0] > score[1]
    q = sp.csr_matrix(np.array([[0, 0, 0, 1]], dtype=np.float32))
    score = (q @ part).toarray()[0] + q.sum() * np.where(np.isfinite(bias), bias, 0)
    assert score[1] > score[0]


def _fake_model() -> SimpleNamespace:
    # confidence = sigmoid(feature): the feature is the logit of the confidence
    return SimpleNamespace(accept_coef=np.array([1.0]), accept_intercept=0.0)


def _logit(p: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.log(p / (1 - p))
    return out


def test_threshold_must_hold_for_each_source_not_only_pooled() -> None:
    # 200 HTS lines right at any confidence; 20 synonyms at confidence 0.745 (half right)
    # and 20 at 0.9 (all right). Pooled, 0.5 already reaches 0.85; the synonyms need 0.75.
    conf = np.concatenate([np.full(200, 0.6), np.full(20, 0.745), np.full(20, 0.9)])
    right = np.concatenate([np.ones(200), np.arange(20) % 2 == 0, np.ones(20)]).astype(bool)
    sources = ["us-hts"] * 200 + ["uk-synonym"] * 40
    feats = _logit(conf)[:, None]
    thr = _accept_threshold(_fake_model(), feats, right, sources)  # type: ignore[arg-type]
    assert thr == 0.75  # the first step above the half-right synonyms
    # the pooled rule alone would have taken the floor
    pooled = _accept_threshold(_fake_model(), feats, right, ["x"] * 240)  # type: ignore[arg-type]
    assert pooled == 0.5


def test_vague_terms_count_only_pooled() -> None:
    # vague terms are never "right"; 10 of them accepted among 200 right answers keep the
    # pooled precision above 0.85, so they alone do not raise the threshold
    conf = np.concatenate([np.full(200, 0.6), np.full(10, 0.6)])
    right = np.concatenate([np.ones(200), np.zeros(10)]).astype(bool)
    sources = ["us-hts"] * 200 + ["uk-vague"] * 10
    thr = _accept_threshold(_fake_model(), _logit(conf)[:, None], right, sources)  # type: ignore[arg-type]
    assert thr == 0.5


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("uk-synonym", "trader"),
        ("uk-parcel/unseen", "trader"),
        ("uk-brand/seen", "trader"),
        ("us-hts", "nomenclature"),
        ("cn", "nomenclature"),
        ("uk-vague", "vague"),
        ("lexicon-rule", "rules"),
        ("attr-rule", "rules"),
    ],
)
def test_family_of_a_tuning_source(source: str, expected: str) -> None:
    assert family(source) == expected


def test_no_qualifying_threshold_means_the_highest_not_a_lax_default() -> None:
    # 40 trader texts, half right at every confidence: no threshold reaches 0.85, so the
    # model must accept (almost) nothing rather than fall back to a low default
    conf = np.linspace(0.55, 0.98, 40)
    right = np.arange(40) % 2 == 0
    thr = _accept_threshold(_fake_model(), _logit(conf)[:, None], right, ["uk-parcel/unseen"] * 40)  # type: ignore[arg-type]
    assert thr == 0.99


def test_trader_family_is_judged_together_not_source_by_source() -> None:
    # 12 unseen-code synonyms at 0.745 (a quarter right) and 12 seen-code parcel texts at
    # 0.745 (all right) are, together, 24 trader texts 62% right: the family needs 0.75,
    # though neither source alone reaches the 20 accepted that would make it count
    conf = np.concatenate([np.full(200, 0.6), np.full(24, 0.745), np.full(20, 0.9)])
    right = np.concatenate([np.ones(200), np.arange(12) % 4 == 0, np.ones(12), np.ones(20)]).astype(
        bool
    )
    sources = ["us-hts"] * 200 + ["uk-synonym/unseen"] * 12 + ["uk-parcel/seen"] * 12
    sources += ["uk-synonym"] * 20
    thr = _accept_threshold(_fake_model(), _logit(conf)[:, None], right, sources)  # type: ignore[arg-type]
    assert thr == 0.75


def test_index_without_a_code_forgets_its_trader_texts(by_role: dict[str, list[Example]]) -> None:
    # What the unseen-kind tuning text is made with: a trader text queried against the index
    # without its code's texts of its source no longer finds itself, and naive Bayes knows
    # the subheading only from what stays
    m = learned_classifier().model
    short = [e for e in by_role["train"] if e.source in _SHORT_SOURCES]
    assert len(short) == len(m.short_label)
    e = next(x for x in short if x.source == "uk-synonym" and x.text == "absinthe")
    j = m.labels.index(e.hs6)
    drop = np.asarray([x.source == e.source and x.group == e.group for x in short])
    full = m._evidence([e.text])[0]
    assert full[1][list(full[0]).index(j), 0] > 0.99  # knn_max: the text itself
    c = without(m, ~drop)
    assert len(c.short_label) == len(short) - int(drop.sum())
    assert int(np.sum(c.short_label == j)) == int(np.sum((m.short_label == j) & ~drop))
    part = c._evidence([e.text])[0]
    if j in list(part[0]):
        assert part[1][list(part[0]).index(j), 0] < 0.99
    trader_left = np.any(c.short_label[c.short_label < m.meta["vague_label"]] == j)
    assert bool(np.isfinite(c.nb_bias[0, j])) == bool(trader_left)
    # the full model is untouched
    assert len(m.short_label) == len(short)


def test_gate_tells_a_covered_trader_query_from_gibberish() -> None:
    m = learned_classifier().model
    ev = m._evidence(["absinthe", "zzqx vlorp"])
    seen, junk = (m.gate(f, v, u) for _i, f, v, u in ev)
    assert 0.0 <= junk < 0.3 < 0.6 < seen <= 1.0
