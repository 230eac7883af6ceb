"""Several writers at once: every order decided exactly once and the ledger still consistent."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select

from borderline.service import Services
from borderline.store.models import DecisionRow, LedgerLeafRow


def test_parallel_writers_keep_one_consistent_log(
    services: Services, orders: list[dict[str, Any]]
) -> None:
    chunks = [orders[i::4] for i in range(4)]

    def work(chunk: list[dict[str, Any]]) -> int:
        done = 0
        for o in chunk:
            services.assess(o)
            done += 1
        return done

    with ThreadPoolExecutor(4) as pool:
        assert sum(pool.map(work, chunks)) == len(orders)
    # The same orders again, concurrently: replays, not duplicates.
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(work, chunks))
    with services.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DecisionRow)) == len(orders)
        leaves = s.scalar(select(func.count()).select_from(LedgerLeafRow))
        assert leaves == services.ledger.size(s)
        report = services.ledger.verify(s)
    assert report.ok, report.problems
    assert report.records_checked >= len(orders)


def test_published_schema_is_current() -> None:
    import json
    from pathlib import Path

    from borderline.model import Order

    published = json.loads((Path(__file__).parents[2] / "docs" / "order.schema.json").read_text())
    assert published == Order.model_json_schema(), "regenerate docs/order.schema.json"
