"""The HS classifier's measuring splits (whole-code and seen-code), the naive-Bayes view of
the short texts, and the per-source acceptance threshold."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp

from borderline.bench.hs_devsets import SETS, dev_sets
from borderline.trade.hs_fit import _accept_threshold, naive_bayes
from borderline.trade.hs_sources import SEEN_ROLES, Example, examples_by_role


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
