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
