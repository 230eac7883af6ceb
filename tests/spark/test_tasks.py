"""A Python worker builds the engine around the broadcast index once per job, not per task."""

from __future__ import annotations

import pickle

from borderline.engine import Engine
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
