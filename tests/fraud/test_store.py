"""The SQL feature store: three queries per order, idempotent recording,
and the same values as the in-memory store and the offline execution on awkward histories
(same-second orders, missing entities, labels arriving before and after their orders and
changing, orders on the very edges of the label window and of UTC days)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from borderline.fraud.features import FEATURES, MemoryFeatureStore, offline_features
from borderline.fraud.store import SqlFeatureStore
from borderline.store import make_engine

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z


def _order(i: int, t: int, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "order_id": f"o{i}",
        "t": t,
        "amount": 10.0 + i,
        "currency": "EUR",
        "method": "card",
        "n_items": 1,
        "forwarder": 0,
        "reshipper": 0,
        "name_mismatch": 0,
        "customer": "c1",
        "card": "k1",
        "device": "d1",
        "ip": "203.0.113.7",
        "email": "a@example.com",
        "ship_addr": "1 rue de la paix paris",
        "corridor": "CN>FR",
        "merchant": "marketplace:s_cn_1",
        "card_country": "FR",
        "ip_country": "FR",
        "bill_country": "FR",
        "ship_country": "FR",
        "buyer_country": "FR",
        "origin_country": "CN",
    }
    base.update(kw)
    return base


# Same-second orders, an order without device/IP/card, a second card on the same device, an
# order 40 days later (outside every velocity window), one 100 days later (outside the label
# window), labels for orders not yet recorded.
HISTORY = [
    _order(0, T0),
    _order(1, T0, card="k2"),
    _order(2, T0 + 60, device="", ip="", card=""),
    _order(3, T0 + 3600, amount=500.0),
    _order(4, T0 + 3601, customer="c2", email="b@example.com"),
    _order(5, T0 + 8 * 86400),
    _order(6, T0 + 40 * 86400, card="k2"),
    _order(7, T0 + 100 * 86400),
    _order(8, T0 + 100 * 86400, ship_addr="", corridor=""),
]
LABELS = {"o0": True, "o3": True, "o1": False}


def _run(store: MemoryFeatureStore | SqlFeatureStore, delay: int) -> pd.DataFrame:
    for oid, fraud in LABELS.items():
        store.record_label(oid, fraud)
    rows = []
    for rec in HISTORY:
        rows.append(store.features(rec))
        store.record(rec)
    return pd.DataFrame(rows)[FEATURES]


@pytest.mark.parametrize("delay", [0, 7])
def test_sql_equals_memory_and_offline_on_awkward_history(session: Session, delay: int) -> None:
    sql = _run(SqlFeatureStore(session, label_delay_days=delay), delay)
    mem = _run(MemoryFeatureStore(label_delay_days=delay), delay)
    pd.testing.assert_frame_equal(sql, mem, rtol=1e-12)
    labels = pd.DataFrame({"order_id": list(LABELS), "is_fraud": [int(v) for v in LABELS.values()]})
    off = offline_features(pd.DataFrame(HISTORY), labels, label_delay_days=delay)
    pd.testing.assert_frame_equal(sql, off.reset_index(drop=True), rtol=1e-12)
    # the history exercises what it claims to
    assert sql["card_count_1h"].tolist()[:2] == [1.0, 1.0]
    assert sql["device_distinct_card"].max() == 2.0
    assert sql["customer_count_30d"].iloc[6] == 1.0  # 40 days later: only itself
    assert sql["card_known_frauds"].max() >= 1.0


def test_features_take_three_queries_whatever_the_order(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from borderline.fraud import store as store_mod

    store = SqlFeatureStore(session)
    for rec in HISTORY[:5]:
        store.record(rec)
    statements: list[str] = []
    batches: list[int] = []
    run_all = store_mod._run_all

    def counted_run_all(conn: Any, stmts: Any, params: Any) -> Any:
        batches.append(len(stmts))
        return run_all(conn, stmts, params)

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    monkeypatch.setattr(store_mod, "_run_all", counted_run_all)
    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", count)
    try:
        store.features(HISTORY[5])
        store.features(_order(99, T0 + 9 * 86400, customer="new", card="", device=""))
    finally:
        event.remove(bind, "before_cursor_execute", count)
    assert batches == [3, 3]
    if bind.dialect.name == "postgresql":
        # psycopg's pipeline mode: the three go in one round trip, below SQLAlchemy's events
        assert statements == [], statements
    else:
        assert len(statements) == 6, statements


# An order at T scores labels of orders in (T - 97 d, T - 7 d]; the store reads whole UTC days
# of that window from fraud_days and its two partial days from fraud_events. Orders of card
# "kL" sit on every boundary: just outside, just inside, either side of midnight.
T = T0 + 100 * 86400 + 5000
LO, HI = T - 97 * 86400, T - 7 * 86400
EDGES = [
    LO - 1,
    LO,  # excluded: the window is open at its start
    LO + 1,
    (LO // 86400 + 1) * 86400 - 1,  # last second of the first, partial day
    (LO // 86400 + 1) * 86400,  # first whole day
    (HI // 86400) * 86400 - 1,  # last whole day
    (HI // 86400) * 86400,  # first second of the last, partial day
    HI,
    HI + 1,  # excluded: not 7 days old yet
]


@pytest.mark.parametrize("label_first", [True, False])
def test_label_window_edges_and_changing_labels(session: Session, label_first: bool) -> None:
    orders = [_order(10 + i, t, card="kL", customer=f"c{i}") for i, t in enumerate(EDGES)]
    target = _order(99, T, card="kL", customer="cz")
    # every order fraud, then one of each partial day and one whole day set back to genuine
    final = {o["order_id"]: True for o in orders}
    final.update({"o12": False, "o14": False, "o17": False})
    sql, mem = SqlFeatureStore(session), MemoryFeatureStore()
    for store in (sql, mem):
        if label_first:
            for oid in final:
                store.record_label(oid, True)
        for o in orders:
            store.record(o)
        for oid, fraud in final.items():
            store.record_label(oid, True)
            store.record_label(oid, fraud)
    got, want = sql.features(target), mem.features(target)
    assert got == want
    # (LO, HI] holds EDGES[2:8]: six orders, of which o12, o14 and o17 are genuine
    assert (got["card_known_orders"], got["card_known_frauds"]) == (6.0, 3.0)
    labels = pd.DataFrame({"order_id": list(final), "is_fraud": [int(v) for v in final.values()]})
    off = offline_features(pd.DataFrame([*orders, target]), labels).iloc[-1]
    assert off.to_dict() == pytest.approx(got, rel=1e-12)


def test_recording_twice_changes_nothing(session: Session) -> None:
    store = SqlFeatureStore(session)
    assert store.record(HISTORY[0]) is True
    before = store.features(HISTORY[3])
    assert store.record(HISTORY[0]) is False
    assert store.features(HISTORY[3]) == before
    session.commit()
    assert SqlFeatureStore(session).record(HISTORY[0]) is False


def test_the_fetched_view_refuses_questions_it_was_not_asked(session: Session) -> None:
    view = SqlFeatureStore(session).fetch(HISTORY[0])
    assert view.window("card", "k1", T0 - 3600, T0, "EUR") == (0, 0.0)
    with pytest.raises(RuntimeError, match="did not fetch"):
        view.window("card", "k1", T0 - 5 * 86400, T0, "EUR")
    with pytest.raises(RuntimeError, match="did not fetch"):
        view.window("card", "k1", T0 - 3600, T0, "JPY")
    with pytest.raises(RuntimeError, match="did not fetch"):
        view.prior("ip", "203.0.113.7", T0, "EUR")  # IP history is not part of any feature
    with pytest.raises(RuntimeError, match="did not fetch"):
        view.labelled("card", "k1", T0 - 86400, T0)


def test_upgrade_copies_existing_labels_onto_events(database_url: str) -> None:
    """f002 adds fraud_events.fraud and fraud_days and back-fills both."""
    from alembic import command
    from sqlalchemy import text

    from borderline.store import migrate
    from borderline.store.db import alembic_config

    command.upgrade(alembic_config(database_url), "f001_fraud")
    engine = make_engine(database_url)
    try:
        with engine.begin() as c:
            for oid in ("a", "b"):
                c.execute(
                    text(
                        "INSERT INTO fraud_events (order_id, entity, value, t, amount) "
                        "VALUES (:o, 'card', 'x', 1, 1.0)"
                    ),
                    {"o": oid},
                )
            c.execute(
                text(
                    "INSERT INTO fraud_labels (order_id, is_fraud, updated_at) "
                    "VALUES ('a', :f, CURRENT_TIMESTAMP)"
                ),
                {"f": True},
            )
        migrate(database_url)
        with engine.connect() as c:
            got = dict(c.execute(text("SELECT order_id, fraud FROM fraud_events")).all())
            days = c.execute(text("SELECT entity, value, day, orders, frauds FROM fraud_days"))
            assert [tuple(r) for r in days] == [("card", "x", 0, 2, 1)]
        assert {k: bool(v) for k, v in got.items()} == {"a": True, "b": False}
    finally:
        engine.dispose()
