"""Queries with long ``IN (...)`` lists go a chunk at a time and answer as one query would."""

import pytest
from sqlalchemy import Column, MetaData, String, Table, create_engine, insert

from borderline.store import IN_LIST, in_chunks, present


def test_in_chunks_covers_every_value_once_in_order() -> None:
    values = list(range(IN_LIST * 2 + 7))
    parts = list(in_chunks(values))
    assert [len(p) for p in parts] == [IN_LIST, IN_LIST, 7]
    assert [v for p in parts for v in p] == values
    assert list(in_chunks([])) == []


@pytest.mark.parametrize("n", [0, 1, IN_LIST, IN_LIST * 3 + 1])
def test_present_finds_exactly_the_stored_values(n: int) -> None:
    engine = create_engine("sqlite://")
    table = Table("t", MetaData(), Column("k", String, primary_key=True))
    table.metadata.create_all(engine)
    stored = [f"k{i}" for i in range(0, n * 2, 2)]  # every other key
    asked = [f"k{i}" for i in range(n * 2)] + stored  # with repeats
    with engine.begin() as conn:
        if stored:
            conn.execute(insert(table), [{"k": k} for k in stored])
        assert present(conn, table.c.k, asked) == set(stored)
