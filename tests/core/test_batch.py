"""Batches are never half-stored: bad orders are reported in their slot and the others land;
a failure anywhere else rolls the whole batch back. On SQLite as on PostgreSQL."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from borderline.service import Services
from borderline.store import transaction
from borderline.store.models import DecisionRow, OrderRow


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _stored(services: Services, ids: list[str]) -> int:
    with services.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(OrderRow).where(OrderRow.id.in_(ids))))


@pytest.mark.parametrize("bad_at", [0, 2, 3])
def test_bad_order_is_reported_in_its_slot_and_the_rest_land(
    client: TestClient,
    keys: dict[str, str],
    services: Services,
    orders: list[dict[str, Any]],
    bad_at: int,
) -> None:
    batch = copy.deepcopy(orders[:4])
    batch[bad_at]["created_at"] = "0001-01-01T00:00:00+01:00"  # a 500 on SQLite before
    r = client.post("/v1/decisions:batch", json={"orders": batch}, headers=auth(keys["svc"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["status"] for x in body["results"]] == [422 if i == bad_at else 201 for i in range(4)]
    assert body["failed"] == 1 and body["assessed"] == 3
    assert _stored(services, [o["id"] for o in batch]) == 3
    with services.sessions() as s:
        assert services.ledger.verify(s).ok


def _install_failing_trigger(services: Services, order_id: str) -> None:
    with transaction(services.sessions) as s:
        if services.db.dialect.name == "sqlite":
            s.execute(
                text(
                    "CREATE TRIGGER fail_one BEFORE INSERT ON decisions "
                    f"WHEN NEW.order_id = '{order_id}' "
                    "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
                )
            )
        else:
            s.execute(
                text(
                    "CREATE FUNCTION fail_one() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.order_id = '{order_id}' THEN RAISE EXCEPTION 'disk on fire'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            s.execute(
                text(
                    "CREATE TRIGGER fail_one BEFORE INSERT ON decisions "
                    "FOR EACH ROW EXECUTE FUNCTION fail_one()"
                )
            )


def test_a_storage_failure_mid_batch_stores_nothing(
    services: Services, orders: list[dict[str, Any]]
) -> None:
    batch = copy.deepcopy(orders[10:14])
    _install_failing_trigger(services, batch[2]["id"])
    with services.sessions() as s:
        size_before = services.ledger.size(s)
    with pytest.raises(Exception, match="disk on fire"):
        services.assess_batch(batch)
    # Not the first two (they were committed item by item on SQLite before), not any.
    assert _stored(services, [o["id"] for o in batch]) == 0
    with services.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DecisionRow)) == 0
        assert services.ledger.size(s) == size_before


def _world(tmp_path: Any, name: str) -> Services:
    from borderline.settings import Settings

    return Services.open(
        Settings(data_dir=tmp_path / name, database_url=f"sqlite:///{tmp_path / name}.db")
    )


def _essence(decision: Any) -> tuple[Any, ...]:
    return (
        decision.order_id,
        str(decision.outcome),
        decision.score,
        [r.code for r in decision.reasons],
        [(r.code, r.contribution) for r in decision.reasons],
        decision.rules,
        decision.signals,
    )


def test_a_batch_decides_and_stores_exactly_what_orders_one_by_one_would(
    services: Services, orders: list[dict[str, Any]], tmp_path: Any
) -> None:
    """The batch decides its orders first and stores them together: a customer's later orders
    in the batch still see the earlier ones (aggregates, stored context, feature store rows)."""
    from borderline.fraud.tables import FraudDayRow, FraudEventRow, FraudLinkRow
    from borderline.store.models import CustomerStatsRow

    one_by_one = _world(tmp_path, "single")
    try:
        # The first 20 go in first, so the batch meets stored history too.
        for o in orders[:20]:
            one_by_one.assess(o)
            services.assess(o)
        single = [one_by_one.assess(o)[0] for o in orders[20:]]
        items = services.assess_batch(orders[20:])
        assert all(i.error is None and not i.replayed for i in items)
        batch = [i.decision for i in items]
        assert [_essence(d) for d in batch] == [_essence(d) for d in single]
        # the customer facts stored with each decision, and the tables later orders read
        with services.sessions() as a, one_by_one.sessions() as b:
            for d in batch:
                ra = a.get(DecisionRow, d.decision_id)
                assert ra is not None and ra.log_index == d.receipt.log_index
            ctx_a = sorted((r.order_id, r.body["context"]) for r in a.scalars(select(DecisionRow)))
            ctx_b = sorted((r.order_id, r.body["context"]) for r in b.scalars(select(DecisionRow)))
            assert ctx_a == ctx_b
            for table, cols in [
                (CustomerStatsRow, ("customer_key", "orders", "amount_sum", "countries")),
                (FraudEventRow, ("order_id", "entity", "value", "t", "fraud")),
                (FraudDayRow, ("entity", "value", "day", "orders", "frauds")),
                (FraudLinkRow, ("entity", "value", "other", "other_value", "first_t")),
            ]:
                q = select(*(getattr(table, c) for c in cols))
                assert sorted(a.execute(q).all()) == sorted(b.execute(q).all()), table
            assert services.ledger.verify(a).ok
    finally:
        one_by_one.close()


def test_a_batch_stores_each_order_first_when_an_assessor_reads_what_was_recorded(
    tmp_path: Any, orders: list[dict[str, Any]]
) -> None:
    """An assessor that reads the recorded state (as the fraud assessor does with a model in
    service) sees every earlier order of the batch stored."""
    from borderline.engine import AssessContext, BaseAssessor
    from borderline.engine.core import Engine, discover_assessors
    from borderline.model import Finding, Order
    from borderline.settings import Settings

    seen: list[int] = []

    class Counting(BaseAssessor):
        name = "counting"
        version = "1"

        def reads_recorded(self, ctx: AssessContext) -> bool:
            return True

        def assess(self, order: Order, ctx: AssessContext) -> list[Finding]:
            s = ctx.extras["fraud.feature_store"].s  # the batch's own session
            seen.append(int(s.scalar(select(func.count()).select_from(OrderRow))))
            return []

    engine = Engine([*discover_assessors(["consistency", "lists"]), Counting()])
    svc = Services.open(
        Settings(data_dir=tmp_path / "d", database_url=f"sqlite:///{tmp_path / 'd.db'}"),
        engine=engine,
    )
    try:
        items = svc.assess_batch(orders[:6])
        assert all(i.error is None for i in items)
        assert seen == [0, 1, 2, 3, 4, 5]
    finally:
        svc.close()
