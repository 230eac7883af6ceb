"""The stored ledger on real SQLite and PostgreSQL: appends, proofs, checkpoints, tampering."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, update

from borderline.ledger import Ledger, merkle, open_checkpoint
from borderline.store import make_engine, migrate, session_factory, transaction
from borderline.store.models import LedgerLeafRow, LedgerNodeRow


@pytest.fixture
def setup(database_url: str):  # type: ignore[no-untyped-def]
    migrate(database_url)
    engine = make_engine(database_url)
    factory = session_factory(engine)
    ledger = Ledger("test.example/log", Ed25519PrivateKey.generate())
    yield ledger, factory
    engine.dispose()


def test_appends_proofs_and_checkpoints(setup) -> None:  # type: ignore[no-untyped-def]
    ledger, factory = setup
    with transaction(factory) as s:
        receipts = [ledger.append(s, kind="t", subject=str(i), record={"i": i}) for i in range(13)]
        receipts += ledger.append_many(s, [("t", str(i), {"i": i}) for i in range(13, 41)])
    assert [r.log_index for r in receipts] == list(range(41))
    with transaction(factory) as s:
        note = ledger.checkpoint(s).note
        cp = open_checkpoint(note, ledger.verifier)
        assert cp.size == 41
        for n in (1, 2, 7, 16, 33, 41):
            for i in range(0, n, 5):
                p = ledger.inclusion(s, i, n)
                assert merkle.verify_inclusion(
                    i,
                    n,
                    bytes.fromhex(receipts[i].leaf_hash),
                    [bytes.fromhex(x) for x in p["path"]],
                    bytes.fromhex(p["root"]),
                )
            c = ledger.consistency(s, max(1, n // 3), n)
            assert merkle.verify_consistency(
                c["old_size"],
                n,
                bytes.fromhex(c["old_root"]),
                bytes.fromhex(c["new_root"]),
                [bytes.fromhex(x) for x in c["path"]],
            )
        assert ledger.inclusion(s, 0, 41)["root"] == cp.root.hex()
        assert ledger.verify(s).ok


def test_rolled_back_append_leaves_no_trace(setup) -> None:  # type: ignore[no-untyped-def]
    ledger, factory = setup
    with transaction(factory) as s:
        ledger.append(s, kind="t", subject="a", record={})
    with pytest.raises(RuntimeError), transaction(factory) as s:
        ledger.append(s, kind="t", subject="b", record={})
        raise RuntimeError("the change this entry belonged to failed")
    with factory() as s:
        assert ledger.size(s) == 1
        assert ledger.verify(s).ok


def test_edited_leaf_is_detected(setup) -> None:  # type: ignore[no-untyped-def]
    ledger, factory = setup
    with transaction(factory) as s:
        for i in range(5):
            ledger.append(s, kind="t", subject=str(i), record={"i": i})
        ledger.checkpoint(s)
    with transaction(factory) as s:
        s.execute(
            update(LedgerLeafRow).where(LedgerLeafRow.idx == 2).values(leaf=b'{"forged":true}')
        )
    with factory() as s:
        report = ledger.verify(s)
    assert not report.ok
    assert any("leaf 2" in p for p in report.problems)


def test_deleted_leaf_and_node_are_detected(setup) -> None:  # type: ignore[no-untyped-def]
    ledger, factory = setup
    with transaction(factory) as s:
        for i in range(8):
            ledger.append(s, kind="t", subject=str(i), record={"i": i})
        ledger.checkpoint(s)
    with transaction(factory) as s:
        s.execute(delete(LedgerLeafRow).where(LedgerLeafRow.idx == 7))
        s.execute(delete(LedgerNodeRow).where(LedgerNodeRow.level == 3))
    with factory() as s:
        report = ledger.verify(s)
    assert not report.ok
    assert any("checkpoint" in p for p in report.problems)


def test_rewritten_history_breaks_consistency_with_the_signed_checkpoint(setup) -> None:  # type: ignore[no-untyped-def]
    ledger, factory = setup
    with transaction(factory) as s:
        for i in range(4):
            ledger.append(s, kind="t", subject=str(i), record={"i": i})
        ledger.checkpoint(s)
    # Someone rewrites the whole log consistently (leaves and nodes) and appends more.
    with transaction(factory) as s:
        s.execute(delete(LedgerNodeRow))
        s.execute(delete(LedgerLeafRow))
    with transaction(factory) as s:
        for i in range(6):
            ledger.append(s, kind="t", subject=str(i), record={"i": i, "forged": True})
    with factory() as s:
        report = ledger.verify(s)
    assert not report.ok
    assert any("not an extension of checkpoint 4" in p for p in report.problems)
