"""Several writers at once: every order decided exactly once and the ledger still consistent."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select

from borderline.errors import Conflict
from borderline.samples import generate_orders
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


def test_group_commit_stores_every_order_once_with_its_own_receipt(
    services: Services, orders: list[dict[str, Any]]
) -> None:
    """What the server runs: concurrent requests stored together by one writer thread."""
    services.decisions.start_group_commit(max_group=16)
    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(services.assess, orders))
        committer = services.decisions.committer
        assert committer is not None
        assert committer.orders == len(orders) and committer.groups <= len(orders)
        assert not any(replayed for _, replayed in results)
        receipts = {d.receipt.log_index for d, _ in results if d.receipt is not None}
        assert len(receipts) == len(orders)  # one ledger entry each
        # The same order ids again, twice each and at once: each is a replay of what is stored.
        with ThreadPoolExecutor(8) as pool:
            again = list(pool.map(services.assess, orders + orders))
        assert all(replayed for _, replayed in again)
        first = {d.order_id: d.decision_id for d, _ in results}
        assert {d.order_id: d.decision_id for d, _ in again} == first
        # A new order sent twice at once is stored once (the committer looks again); another
        # payload under a stored id is refused alone; the rest of its group is stored.
        fresh = list(generate_orders(3, seed=404))
        clash = dict(orders[0], metadata={"changed": True})
        with ThreadPoolExecutor(5) as pool:
            futures = [pool.submit(services.assess, o) for o in [*fresh, fresh[0], clash]]
        outcomes = [f.exception() or f.result() for f in futures]
        assert isinstance(outcomes[-1], Conflict)
        stored = [o for o in outcomes[:4] if isinstance(o, tuple)]
        assert len(stored) == 4 and sum(replayed for _, replayed in stored) == 1
        assert outcomes[0][0].decision_id == outcomes[3][0].decision_id  # type: ignore[index]
    finally:
        services.decisions.stop_group_commit()
    with services.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DecisionRow)) == len(orders) + 3
        report = services.ledger.verify(s)
    assert report.ok, report.problems


def test_requests_of_one_loop_turn_are_decided_together_and_stored_in_one_group(
    services: Services, orders: list[dict[str, Any]]
) -> None:
    """The server path (``api.batching``): orders whose requests the event loop runs in the
    same turn go to the committer as one group; each still gets its own answer: 201 with its
    own receipt, one 200 replay for an id sent twice, 409 for another payload under a stored
    id. Nothing is lost or stored twice."""
    import asyncio

    import httpx

    from borderline.api.app import create_app
    from borderline.auth import create_key
    from borderline.store import transaction

    with transaction(services.sessions) as s:
        key = create_key(s, "svc", "service", by="test", ledger=services.ledger)[1]
    app = create_app(services)
    committer = services.decisions.committer
    assert committer is not None
    batch = orders[:12]
    clash = dict(orders[0], metadata={"changed": True})

    async def send_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            first = await asyncio.gather(
                *(client.post("/v1/decisions", json=o, headers=headers) for o in batch),
                client.post("/v1/decisions", json=batch[5], headers=headers),  # twice at once
            )
            later = await client.post("/v1/decisions", json=clash, headers=headers)
            return [*first, later]

    try:
        answers = asyncio.run(send_all())
    finally:
        services.decisions.stop_group_commit()
    codes = [r.status_code for r in answers]
    assert codes[:12] == [201] * 12 and codes[12] in (200, 201) and codes[13] == 409, codes
    assert answers[12].json()["decision_id"] == answers[5].json()["decision_id"]
    assert len({r.json()["receipt"]["log_index"] for r in answers[:12]}) == 12
    assert committer.orders == 13 and committer.groups <= 2, committer.groups  # one turn
    with services.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DecisionRow)) == 12
        report = services.ledger.verify(s)
    assert report.ok, report.problems
