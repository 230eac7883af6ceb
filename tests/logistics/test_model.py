"""Late-delivery model: time split on the real SCMS file, metrics, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from borderline.errors import InvalidInput
from borderline.logistics import Evaluation, History, evaluate, split_by_year
from borderline.logistics.model import features, fit_spec, lift_at, metrics


@pytest.fixture(scope="module")
def ev2011(scms: History) -> Evaluation:
    train_h, test_h = split_by_year(scms, 2011)
    return evaluate(train_h, test_h)


def test_time_split_never_mixes_years(scms: History) -> None:
    a, b = split_by_year(scms, 2011)
    assert a.frame["scheduled"].max() < b.frame["scheduled"].min()
    assert len(a.frame) + len(b.frame) == len(scms.frame)
    with pytest.raises(InvalidInput) as exc:
        split_by_year(scms, 2020)
    assert exc.value.where == "--split-year"


def test_golden_metrics_on_the_2011_split(ev2011: Evaluation) -> None:
    # Recorded in docs/benchmarks/logistics.md; LightGBM runs deterministic=True, 2 threads.
    assert ev2011.n_train == 5234 and ev2011.n_test == 2545
    assert ev2011.model["roc_auc"] == pytest.approx(0.6801, abs=0.01)
    assert ev2011.baseline["roc_auc"] == pytest.approx(0.7079, abs=0.01)
    # Both beat chance and the late rate: the model found signal before shipping.
    for m in (ev2011.model, ev2011.baseline):
        assert m["roc_auc"] > 0.6
        assert m["pr_auc"] > ev2011.late_rate_test * 1.3
        assert m["lift_top10"] > 1.3
        # Brier of always predicting the training late rate: the bar a model must clear.
        base = (
            ev2011.late_rate_test * (1 - ev2011.late_rate_train) ** 2
            + (1 - ev2011.late_rate_test) * ev2011.late_rate_train**2
        )
        assert m["brier"] < base
    assert len(ev2011.ids) == len(ev2011.probabilities) == ev2011.n_test
    assert np.all((ev2011.probabilities > 0) & (ev2011.probabilities < 1))


def test_training_is_deterministic(scms: History) -> None:
    a, b = split_by_year(scms, 2008)  # a small split keeps the test quick
    first, again = evaluate(a, b), evaluate(a, b)
    assert np.array_equal(again.probabilities, first.probabilities)


def test_unseen_categories_in_test_become_missing(scms: History) -> None:
    a, b = split_by_year(scms, 2007)
    spec = fit_spec(a)
    x = features(b, spec)
    unseen = set(b.frame["carrier"].dropna()) - set(a.frame["carrier"].dropna())
    assert unseen  # later vendors exist that the early years never saw
    assert x["carrier"].isna().sum() >= b.frame["carrier"].isin(unseen).sum()


@pytest.mark.parametrize(
    ("y", "p", "lift"),
    [
        ([1, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], 10.0),
        ([0, 1, 0, 0, 0, 0, 0, 0, 0, 0], [0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], 0.0),
        ([1, 1, 0, 0, 0, 0, 0, 0, 0, 0] * 2, list(np.linspace(1, 0, 20)), 5.0),
    ],
)
def test_lift_table(y: list[int], p: list[float], lift: float) -> None:
    assert lift_at(np.array(y, dtype=float), np.array(p)) == pytest.approx(lift)


def test_metrics_of_a_perfect_ranker() -> None:
    y = np.array([0, 0, 1, 1], dtype=float)
    m = metrics(y, np.array([0.0, 0.0, 1.0, 1.0]))
    assert m == {"roc_auc": 1.0, "pr_auc": 1.0, "brier": 0.0, "lift_top10": 2.0}


def test_training_needs_outcomes_test_rows_without_one_are_scored_not_measured(
    scms: History,
) -> None:
    a, b = split_by_year(scms, 2008)
    b.frame.loc[[3, 7], "late"] = np.nan
    ev = evaluate(a, b)
    assert ev.n_test_unlabelled == 2 and len(ev.probabilities) == len(b.frame)
    a.frame.loc[5, "late"] = np.nan
    with pytest.raises(InvalidInput, match="no actual delivery date"):
        evaluate(a, b)
