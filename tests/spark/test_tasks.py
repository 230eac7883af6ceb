"""A Python worker builds the engine around the broadcast index once per job, not per task;
the decision stage rebuilds each order from the dump stage 1 made of it."""

from __future__ import annotations

import json
import pickle
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from borderline.engine import Engine
from borderline.model import Order
from borderline.model.limits import METADATA_MAX_DEPTH
from borderline.screening import ScreeningAssessor
from borderline.spark._tasks import Job


class _Index:  # stands in for the broadcast ScreeningIndex: only its identity matters here
    pass


def test_the_engine_around_an_index_is_built_once_and_stays_in_the_worker() -> None:
    job = Job(engine=Engine([ScreeningAssessor()]))
    index, other = _Index(), _Index()
    engine = job.engine_with(index)
    screening = engine.assessors[0]
    assert isinstance(screening, ScreeningAssessor)
    assert screening.index is index
    # The next task of the same job in this worker: the same engine, its search cache warm.
    assert job.engine_with(index) is engine
    # Another index (another job's broadcast): a new engine searching that one.
    rebuilt = job.engine_with(other)
    assert rebuilt is not engine
    assert rebuilt.assessors[0].index is other  # type: ignore[attr-defined]
    # Without an index the job's own engine; the built one is never shipped to executors.
    assert job.engine_with(None) is job.engine
    shipped = pickle.loads(pickle.dumps(job))
    assert shipped._built is None
    assert job._built is not None


def test_an_order_rebuilt_from_its_dump_is_the_validated_order() -> None:
    from tests.spark.conftest import _orders

    for payload in _orders()[0][::50]:
        order = Order.model_validate(payload)
        text = orjson.dumps(order.model_dump(mode="json"))
        rebuilt = Order.from_dump_json(text)
        assert rebuilt == order == Order.model_validate_json(text)
        assert rebuilt.model_dump(mode="json") == order.model_dump(mode="json")


def test_only_the_dump_skips_the_input_limits() -> None:
    from tests.spark.conftest import _orders

    payload = dict(_orders()[0][0])
    deep: Any = 1
    for _ in range(METADATA_MAX_DEPTH + 2):
        deep = {"a": deep}
    payload["metadata"] = {"deep": deep}
    text = json.dumps(payload)
    with pytest.raises(ValidationError):
        Order.model_validate_json(text)
    # A context equal to the one from_dump_json passes is not it: no caller asks them away.
    with pytest.raises(ValidationError):
        Order.model_validate_json(text, context={"dumped": True})
    assert Order.from_dump_json(text).metadata == {"deep": deep}
