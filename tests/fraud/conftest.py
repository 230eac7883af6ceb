"""Shared, small, seeded data for the fraud tests (kept small: the suite must stay fast)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from borderline.bench.fraud_synth import OrderSimConfig, flat_frame, generate
from borderline.bench.handbook import SimulationConfig, simulate
from borderline.fraud.training import FraudModel, train
from borderline.store import make_engine, session_factory

SMALL_HANDBOOK = SimulationConfig(n_customers=300, n_terminals=600, seed=5)


@pytest.fixture(scope="session")
def handbook_df() -> pd.DataFrame:
    return simulate(SMALL_HANDBOOK)


@pytest.fixture(scope="session")
def orders() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(generated rows, labels with parsed event times): 4,000 orders over 60 days."""
    df, labels = generate(OrderSimConfig(n_orders=4000, n_customers=400, days=60, seed=3))
    return df, labels.assign(event_at=pd.to_datetime(labels["event_at"], utc=True))


@pytest.fixture(scope="session")
def flat(orders: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    return flat_frame(orders[0])


@pytest.fixture(scope="session")
def model(orders: tuple[pd.DataFrame, pd.DataFrame], flat: pd.DataFrame) -> FraudModel:
    return train(flat, orders[1], rounds=40)


@pytest.fixture
def session(migrated_url: str) -> Iterator[Session]:
    """A session on a freshly migrated database (SQLite and PostgreSQL)."""
    engine = make_engine(migrated_url)
    try:
        with session_factory(engine)() as s:
            yield s
    finally:
        engine.dispose()
