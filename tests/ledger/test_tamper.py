"""The tamper suite: every table `ledger verify` claims to cover, edited behind its back.

One populated database per dialect (SQLite and PostgreSQL); each edit runs in its own
transaction, `verify` runs inside it, and the edit is rolled back before the next one. Every
edit must be reported, with the words that say what was found.
"""

from __future__ import annotations

import copy
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from borderline import accounts
from borderline.auth import create_key, revoke_key
from borderline.ledger.canonical import jcs, legacy_json
from borderline.samples import generate_orders
from borderline.service import Services
from borderline.settings import Settings
from borderline.store import transaction

BIG = 1e16  # the value whose spelling differed between SQLite and PostgreSQL
PG_ADMIN_URL = os.environ.get(
    "BORDERLINE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _pg_database(admin: str) -> Iterator[str]:
    # Module-scoped (the conftest's fixtures are per test): one database for the whole table.
    import psycopg

    name = f"bl_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp(f"tamper-{request.param}")
    gen = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'borderline.db'}"
    else:
        gen = _pg_database(PG_ADMIN_URL)
        url = next(gen)
    services = Services.open(
        Settings(
            data_dir=tmp / "data",
            database_url=url,
            ledger_checkpoint_every=8,
        )
    )
    orders = list(generate_orders(12, seed=5))
    orders[0]["metadata"] = {"big": BIG, "ratio": 0.1, "deep": [[{"z": 1, "a": -0.0}]]}
    email = orders[1]["parties"][0].get("email") or "nobody@example.org"
    services.add_list_entry(
        list_name="fraud", kind="email", value=email, action="block", reason="t", actor="ann"
    )
    removed = services.add_list_entry(
        list_name="fraud",
        kind="email",
        value="gone@example.org",
        action="block",
        reason=None,
        actor="ann",
    )
    services.remove_list_entry(removed["id"], "ann")
    with transaction(services.sessions) as s:
        admin_id, _ = create_key(
            s, "ada-laptop", "admin", owner="ada", by="ops", ledger=services.ledger
        )
        auditor_id, _ = create_key(
            s, "audit", "auditor", owner="aud", by="ops", ledger=services.ledger
        )
        revoke_key(s, auditor_id, by="ops", ledger=services.ledger)
    accounts.add_user(services, "bob", "analyst", "correct horse battery")
    accounts.add_user(services, "carol", "admin", "correct horse battery")
    accounts.disable_user(services, "carol")
    draft = services.create_policy(services.get_policy()["source"] + "\n", "ann")
    services.backtest(draft["version"], actor="ann")
    services.activate_policy(draft["version"], "bob")
    for start in range(0, len(orders), 5):
        services.assess_batch(orders[start : start + 5])
    with services.sessions() as s:
        report = services.ledger.verify(s)
        ids = {
            "admin_key": admin_id,
            "revoked_key": auditor_id,
            "removed_entry": removed["id"],
            "order": orders[0]["id"],
            "flagged": orders[1]["id"],
            "version": draft["version"],
            "decision": s.execute(
                text("SELECT id FROM decisions WHERE order_id = :o"), {"o": orders[0]["id"]}
            ).scalar_one(),
        }
    yield {"services": services, "clean": report, "ids": ids, "orders": orders}
    services.close()
    if gen is not None:
        gen.close()


def test_untouched_database_verifies_and_says_what_it_covers(world: dict[str, Any]) -> None:
    report = world["clean"]
    assert report.ok, report.problems
    tables = {c["table"]: c for c in report.coverage}
    assert set(tables) >= {
        "decisions",
        "orders",
        "policies",
        "list_entries",
        "api_keys",
        "cases_users",
    }
    assert tables["decisions"]["rows"] == 12 and tables["orders"]["rows"] == 12
    assert tables["api_keys"]["rows"] == 2 and tables["cases_users"]["rows"] == 2
    for c in report.coverage:
        assert c["since_index"] is not None and c["rfc8785_since_index"] is not None, c
    # Signed without anyone asking: every 8 entries.
    assert report.checkpoint_size >= 8 and report.checkpoint_time


def test_metadata_1e16_hashes_alike_after_the_round_trip(world: dict[str, Any]) -> None:
    services: Services = world["services"]
    stored = services.get_order(world["ids"]["order"])
    original = copy.deepcopy(world["orders"][0]["metadata"])
    assert jcs(stored["metadata"]) == jcs(original)
    if services.db.dialect.name == "postgresql":
        # The old canonical form is why verify broke: JSONB hands 1e16 back as an integer.
        assert legacy_json(stored["metadata"]) != legacy_json(original)


def _json_edit(dialect: str, column: str, path: str, value: str) -> str:
    if dialect == "postgresql":
        return f"{column} = jsonb_set({column}, '{{{path}}}', '{value}')"
    return f"{column} = json_set({column}, '$.{path}', json('{value}'))"


# (name, SQL with :order/:decision/:admin_key/... parameters, words the report must contain)
EDITS: list[tuple[str, str, str]] = [
    (
        "decision outcome",
        "UPDATE decisions SET outcome = CASE WHEN outcome = 'approve' THEN 'decline' "
        "ELSE 'approve' END WHERE id = :decision",
        "column outcome differs",
    ),
    (
        "decision score",
        "UPDATE decisions SET score = 99 WHERE id = :decision",
        "column score differs",
    ),
    (
        "decision policy version",
        "UPDATE decisions SET policy_version = 77 WHERE id = :decision",
        "column policy_version differs",
    ),
    (
        "decision created_at",
        "UPDATE decisions SET created_at = '2001-01-01 00:00:00+00:00' WHERE id = :decision",
        "column created_at differs",
    ),
    (
        "decision record hash",
        "UPDATE decisions SET record_hash = 'x' WHERE id = :decision",
        "column record_hash differs",
    ),
    (
        "decision log index",
        "UPDATE decisions SET log_index = 0 WHERE id = :decision",
        "column log_index differs",
    ),
    (
        "decision body",
        "UPDATE decisions SET {body_score} WHERE id = :decision",
        "was changed after it was logged",
    ),
    (
        "decision deleted",
        "DELETE FROM findings WHERE decision_id = :decision; "
        "DELETE FROM decisions WHERE id = :decision",
        "is gone from the database",
    ),
    ("order total", "UPDATE orders SET total = 1 WHERE id = :order", "column total differs"),
    (
        "order destination",
        "UPDATE orders SET destination_country = 'CH' WHERE id = :order",
        "column destination_country differs",
    ),
    (
        "order origin",
        "UPDATE orders SET origin_country = 'CH' WHERE id = :order",
        "column origin_country differs",
    ),
    (
        "order customer key",
        "UPDATE orders SET customer_key = 'x' WHERE id = :order",
        "column customer_key differs",
    ),
    (
        "order merchant",
        "UPDATE orders SET merchant_id = 'x' WHERE id = :order",
        "column merchant_id differs",
    ),
    (
        "order currency",
        "UPDATE orders SET currency = 'XXX' WHERE id = :order",
        "column currency differs",
    ),
    (
        "order created_at",
        "UPDATE orders SET created_at = '2001-01-01 00:00:00+00:00' WHERE id = :order",
        "column created_at differs",
    ),
    (
        "order payload hash",
        "UPDATE orders SET payload_hash = 'x' WHERE id = :order",
        "payload_hash differs",
    ),
    (
        "order payload",
        "UPDATE orders SET {payload_total} WHERE id = :order",
        "was changed after it was logged",
    ),
    (
        "finding score",
        "UPDATE findings SET score = 0.5 WHERE decision_id = :flagged_decision",
        "findings rows differ",
    ),
    (
        "finding removed",
        "DELETE FROM findings WHERE decision_id = :flagged_decision",
        "findings rows differ",
    ),
    (
        "finding added",
        "INSERT INTO findings (decision_id, code, severity, score, assessor) "
        "VALUES (:decision, 'lists.blocked', 'high', 90, 'lists')",
        "findings rows differ",
    ),
    (
        "decision and order never logged",
        "INSERT INTO orders (id, merchant_id, customer_key, created_at, received_at, currency, "
        "total, origin_country, destination_country, payload_hash, payload) "
        "SELECT 'forged-1', merchant_id, customer_key, created_at, received_at, currency, total, "
        "origin_country, destination_country, payload_hash, payload FROM orders WHERE id = :order; "
        "INSERT INTO decisions (id, order_id, outcome, score, policy_name, policy_version, "
        "created_at, record_hash, log_index, body) SELECT 'dec_forged', 'forged-1', outcome, "
        "score, policy_name, policy_version, created_at, record_hash, log_index, body "
        "FROM decisions WHERE id = :decision",
        "decision dec_forged has no ledger entry",
    ),
    (
        "active policy source",
        "UPDATE policies SET source = 'policy \"x\"' WHERE status = 'active'",
        "source differs from its logged hash",
    ),
    (
        "active policy source and hash",
        "UPDATE policies SET source = 'x', source_hash = "
        "'2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881' "
        "WHERE status = 'active'",
        "was changed after it was logged",
    ),
    (
        "active version swapped",
        "UPDATE policies SET status = CASE WHEN status = 'active' THEN 'retired' ELSE 'active' END "
        "WHERE status IN ('active', 'retired')",
        "the log says",
    ),
    (
        "policy never logged",
        "INSERT INTO policies (name, version, status, source, source_hash, author, created_at) "
        "SELECT name, 99, 'draft', source, source_hash, author, created_at FROM policies "
        "WHERE status = 'active'",
        "default@99 has no ledger entry",
    ),
    (
        "key role",
        "UPDATE api_keys SET role = 'admin' WHERE id = :revoked_key",
        "was changed after it was logged",
    ),
    (
        "key owner",
        "UPDATE api_keys SET owner = 'mallory' WHERE id = :admin_key",
        "was changed after it was logged",
    ),
    (
        "key unrevoked",
        "UPDATE api_keys SET revoked_at = NULL WHERE id = :revoked_key",
        "is gone from the database",
    ),
    (
        "key never logged",
        "INSERT INTO api_keys (id, name, role, secret_hash, created_at, owner) "
        "SELECT 'feedfacecafe', name, 'admin', secret_hash, created_at, owner FROM api_keys "
        "WHERE id = :admin_key",
        "API key feedfacecafe has no ledger entry",
    ),
    (
        "list value",
        "UPDATE list_entries SET value = 'x@example.org' WHERE id = :removed_entry",
        "was changed after it was logged",
    ),
    (
        "list entry restored",
        "UPDATE list_entries SET removed_at = NULL WHERE id = :removed_entry",
        "is gone from the database",
    ),
    (
        "list entry never logged",
        "INSERT INTO list_entries (list_name, kind, value, action, created_by, created_at) "
        "SELECT list_name, kind, 'new@example.org', action, created_by, created_at "
        "FROM list_entries WHERE id = :removed_entry",
        "has no ledger entry",
    ),
    (
        "user role",
        "UPDATE cases_users SET role = 'admin' WHERE name = 'bob'",
        "user.create bob was changed after it was logged",
    ),
    (
        "user password",
        "UPDATE cases_users SET password_hash = 'scrypt$x' WHERE name = 'bob'",
        "password of bob differs",
    ),
    (
        "user re-enabled",
        "UPDATE cases_users SET disabled_at = NULL WHERE name = 'carol'",
        "user.disable carol is gone",
    ),
    (
        "user never logged",
        "INSERT INTO cases_users (name, role, password_hash, created_at) "
        "SELECT 'mallory', 'admin', password_hash, created_at FROM cases_users WHERE name = 'bob'",
        "user mallory has no ledger entry",
    ),
    (
        "newest entries deleted",
        "DELETE FROM ledger_nodes WHERE level = 0 AND idx = (SELECT max(idx) FROM ledger_leaves); "
        "DELETE FROM ledger_leaves WHERE idx = (SELECT max(idx) FROM ledger_leaves)",
        "has no ledger entry",
    ),
    (
        "leaf rewritten",
        "UPDATE ledger_leaves SET subject = 'x' WHERE idx = 3",
        "kind or subject column differs",
    ),
]


@pytest.mark.parametrize(("name", "sql", "expected"), EDITS, ids=[e[0] for e in EDITS])
def test_every_covered_edit_is_reported(
    world: dict[str, Any], name: str, sql: str, expected: str
) -> None:
    services: Services = world["services"]
    dialect = services.db.dialect.name
    ids = dict(world["ids"])
    sql = sql.format(
        body_score=_json_edit(dialect, "body", "score", "1.5"),
        payload_total=_json_edit(dialect, "payload", "total", '"1.00"'),
    )
    with services.sessions() as s:
        ids["flagged_decision"] = s.execute(
            text("SELECT d.id FROM decisions d JOIN findings f ON f.decision_id = d.id LIMIT 1")
        ).scalar_one()
        try:
            for stmt in sql.split("; "):
                names = {k: v for k, v in ids.items() if f":{k}" in stmt}
                s.execute(text(stmt), names)
            report = services.ledger.verify(s)
        finally:
            s.rollback()
    assert not report.ok, f"{name}: not reported"
    assert any(expected in p for p in report.problems), (name, report.problems)
    with services.sessions() as s:
        assert services.ledger.verify(s).ok, f"{name}: rollback left a trace"


def test_format_1_entries_stay_readable_and_checked(tmp_path: Path) -> None:
    """A log written before RFC 8785: its records re-hash in format 1, edits are still caught,
    and entries whose records cannot be rebuilt are counted, not reported."""
    services = Services.open(
        Settings(data_dir=tmp_path / "d", database_url=f"sqlite:///{tmp_path / 'b.db'}")
    )
    try:
        with transaction(services.sessions) as s:
            key_id, _ = create_key(s, "old", "auditor")
            services.ledger.append_many(
                s,
                [("key.create", key_id, {"id": key_id, "role": "auditor", "by": "someone"})],
                record_version=1,
            )
        entry = services.add_list_entry(
            list_name="old",
            kind="email",
            value="a@example.org",
            action="block",
            reason=None,
            actor="ann",
        )
        with transaction(services.sessions) as s:
            old_record = {k: v for k, v in entry.items() if k != "removed_at"}
            (receipt,) = services.ledger.append_many(
                s, [("list.add", str(entry["id"]), old_record)], record_version=1
            )
        with services.sessions() as s:
            leaves = [bytes(r[0]) for r in s.execute(text("SELECT leaf FROM ledger_leaves"))]
            assert sum(b'"v":1' in leaf for leaf in leaves) == 2
            assert sum(b'"v":2' in leaf for leaf in leaves) >= 3
            report = services.ledger.verify(s)
        assert report.ok, report.problems
        assert report.unchecked_kinds.get("key.create") == 1
        with services.sessions() as s:
            s.execute(text("UPDATE api_keys SET role = 'admin'"))
            s.execute(text("UPDATE list_entries SET value = 'b@example.org'"))
            report = services.ledger.verify(s)
            s.rollback()
        assert (
            f"leaf {receipt.log_index}: list.add {entry['id']} was changed after it was logged"
            in (report.problems)
        )
    finally:
        services.close()
