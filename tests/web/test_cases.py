"""Case management and web sign-in against real SQLite and real PostgreSQL (no browser)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from borderline import accounts
from borderline.accounts import SessionRow
from borderline.cases import service as cases
from borderline.cases.store import CaseEventRow
from borderline.errors import Conflict, InvalidInput
from borderline.service import Services
from borderline.settings import Settings
from borderline.store import transaction
from borderline.store.models import DecisionRow, LabelRow, LedgerLeafRow
from borderline.web import analytics
from borderline.web import auth as webauth


@pytest.fixture
def bare_services(migrated_url: str, tmp_path: Path) -> Iterator[Services]:
    svc = Services.open(Settings(data_dir=tmp_path, database_url=migrated_url))
    yield svc
    svc.close()


@pytest.fixture
def services(migrated_url: str, tmp_path: Path) -> Iterator[Services]:
    from borderline.samples import generate_orders

    svc = Services.open(Settings(data_dir=tmp_path, database_url=migrated_url))
    src = svc.get_policy()["source"]
    v = svc.create_policy(src.replace("review 40", "review 25"), "alice")
    svc.backtest(v["version"], actor="alice")
    svc.activate_policy(v["version"], "carol")
    svc.assess_batch(list(generate_orders(90, seed=5)))
    yield svc
    svc.close()


def _queued(svc: Services) -> list[str]:
    with svc.sessions() as s:
        return list(
            s.scalars(
                select(DecisionRow.id)
                .where(DecisionRow.outcome.in_(["review", "hold"]))
                .order_by(DecisionRow.id)
            )
        )


def test_concurrent_dispositions_one_wins_nothing_half_written(services: Services) -> None:
    did = _queued(services)[0]
    case_id = cases.open_case(services, [did], "bob")
    barrier = threading.Barrier(6)
    results: list[str] = []

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            cases.disposition(services, case_id, "confirmed_fraud", f"analyst{i}", 1, "x")
            results.append("ok")
        except Conflict:
            results.append("conflict")

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * 5 + ["ok"]
    with services.sessions() as s:
        order_id = s.get(DecisionRow, did).order_id  # type: ignore[union-attr]
        assert s.scalar(select(func.count()).where(LabelRow.order_id == order_id)) == 1
        n = s.scalar(
            select(func.count()).where(
                LedgerLeafRow.kind == "case.disposition",
                LedgerLeafRow.subject.startswith(case_id + "/e"),
            )
        )
        assert n == 1
        cases.register_ledger(services.ledger)
        report = services.ledger.verify(s)
        assert report.ok, report.problems


def test_queue_filters_claims_and_closing(services: Services) -> None:
    queued = _queued(services)
    page = cases.queue(services, cases.QueueFilter(per_page=500))
    assert page.total == len(queued) > 0
    by_score = cases.queue(services, cases.QueueFilter(sort="score", min_score=30))
    assert all(r["score"] >= 30 for r in by_score.rows)
    assert [r["score"] for r in by_score.rows] == sorted(
        (r["score"] for r in by_score.rows), reverse=True
    )
    fired = cases.queue(services, cases.QueueFilter(finding="consistency.country"))
    assert fired.total > 0
    assert all(any(c.startswith("consistency.country.") for c in r["findings"]) for r in fired.rows)
    assert cases.queue(services, cases.QueueFilter(finding="consistency.countr")).total == 0
    cases.claim(services, queued[:2], "dave", "bob")
    mine = cases.queue(services, cases.QueueFilter(assignee="dave"))
    assert {r["id"] for r in mine.rows} == set(queued[:2])
    case_id = cases.open_case(services, queued[:2], "dave", "two together")
    with pytest.raises(Conflict):
        cases.open_case(services, queued[1:3], "bob")  # already in an open case
    labels = cases.disposition(services, case_id, "false_positive", "dave", 1)
    assert {(lab["kind"], lab["is_fraud"]) for lab in labels} == {("legitimate", False)}
    after = cases.queue(services, cases.QueueFilter(per_page=500))
    assert after.total == len(queued) - 2
    # New decisions reach the queue on the next read.
    from borderline.samples import generate_orders

    services.assess_batch(list(generate_orders(60, seed=99)))
    assert cases.queue(services, cases.QueueFilter()).total == len(_queued(services)) - 2


def test_case_notes_and_errors(services: Services) -> None:
    case_id = cases.open_case(services, _queued(services)[:1], "bob")
    with pytest.raises(InvalidInput):
        cases.add_note(services, case_id, "   ", "bob")
    cases.add_note(services, case_id, "Spoke to the merchant.", "bob")
    with pytest.raises(InvalidInput):
        cases.disposition(services, case_id, "maybe", "bob", 2)
    with pytest.raises(Conflict):
        cases.assign_case(services, case_id, "dave", "bob", expected_version=1)  # stale
    cases.add_attachment(services, case_id, "call.txt", "text/plain", b"notes", "bob")
    data = cases.get_case(services, case_id)
    assert [e.kind for e in data["events"]] == ["open", "note", "attach"]
    with services.sessions() as s:
        logged = s.scalars(
            select(CaseEventRow.log_index).where(CaseEventRow.case_id == case_id)
        ).all()
        kinds = [s.get(LedgerLeafRow, i).kind for i in logged]  # type: ignore[union-attr]
    assert kinds == ["case.open", "case.note", "case.attach"]
    # With the resolvers registered, ledger verification re-checks case events: editing a
    # note afterwards is detected.
    cases.register_ledger(services.ledger)
    with services.sessions() as s:
        report = services.ledger.verify(s)
        assert report.ok, report.problems
    with transaction(services.sessions) as s:
        s.execute(
            update(CaseEventRow)
            .where(CaseEventRow.case_id == case_id, CaseEventRow.kind == "note")
            .values(text="Spoke to nobody.")
        )
    with services.sessions() as s:
        problems = services.ledger.verify(s).problems
    assert len(problems) == 1 and "case.note" in problems[0] and "changed" in problems[0]


def test_analytics_aggregate_on_both_databases(services: Services) -> None:
    data = analytics.compute(services, 30)
    assert data["total"] == sum(data["totals"].values()) > 0
    assert sum(data["scores"]) == data["total"]
    assert data["corridors"]["cells"]
    assert "threshold.review" in {r["rule"] for r in data["rules"]}
    assert data["recent"] == data["total"]


def test_population_stability_index() -> None:
    assert analytics.psi([10, 20, 30], [10, 20, 30]) == 0
    assert analytics.psi([10, 20, 30], [30, 20, 10]) > 0.25


def test_passwords_sessions_and_expiry(bare_services: Services) -> None:
    services = bare_services
    with pytest.raises(InvalidInput):
        accounts.add_user(services, "eve", "analyst", "short")
    with pytest.raises(InvalidInput):
        accounts.add_user(services, "eve", "service", "long-enough-password")
    accounts.add_user(services, "eve", "analyst", "long-enough-password")
    with pytest.raises(Conflict):
        accounts.add_user(services, "eve", "admin", "long-enough-password")
    assert webauth.sign_in(services, "eve", "wrong-password-x") is None
    assert webauth.sign_in(services, "nobody", "long-enough-password") is None
    ws = webauth.sign_in(services, "eve", "long-enough-password")
    assert ws is not None and ws.principal.role == "analyst"
    assert webauth.lookup(services, ws.token)[0] is not None
    with transaction(services.sessions) as s:
        s.execute(
            update(SessionRow)
            .where(SessionRow.user == "eve")
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert webauth.lookup(services, ws.token) == (None, True)
    ws2 = webauth.sign_in(services, "eve", "long-enough-password")
    assert ws2 is not None
    accounts.disable_user(services, "eve")
    assert webauth.lookup(services, ws2.token) == (None, False)
    assert webauth.sign_in(services, "eve", "long-enough-password") is None


def test_cookie_and_csrf_signing() -> None:
    secret = b"s" * 32
    cookie = webauth.sign(secret, "tok")
    assert webauth.unsign(secret, cookie) == "tok"
    assert webauth.unsign(secret, cookie[:-1] + ("0" if cookie[-1] != "0" else "1")) is None
    assert webauth.unsign(b"other" * 8, cookie) is None
    assert webauth.csrf_ok(secret, "tok", webauth.csrf_for(secret, "tok"))
    assert not webauth.csrf_ok(secret, "tok", webauth.csrf_for(secret, "other"))
    assert not webauth.csrf_ok(secret, None, "")


def test_users_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from borderline.cli import app

    monkeypatch.setenv("BORDERLINE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("BORDERLINE_DATABASE_URL", raising=False)
    runner = CliRunner()
    r = runner.invoke(
        app,
        ["users", "add", "frank", "--role", "auditor", "--password-stdin"],
        input="a-long-password\n",
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["users", "list"])
    assert "frank\tauditor\tactive" in r.output


def test_sign_in_attempts_are_counted_atomically(services: Services) -> None:
    """Forty concurrent guesses for one name: exactly the free five go ahead."""
    from concurrent.futures import ThreadPoolExecutor

    from borderline.web import throttle

    now = 1_000_000.0
    with ThreadPoolExecutor(max_workers=40) as pool:
        waits = list(
            pool.map(
                lambda i: throttle.begin_attempt(services, "Victim", f"10.0.0.{i}", now),
                range(40),
            )
        )
    assert sum(1 for w in waits if w == 0) == throttle.USER_FREE
    # the same name in another spelling is the same counter
    assert throttle.begin_attempt(services, " victim ", "10.9.9.9", now) > 0


def test_back_off_never_locks_the_real_user_out(services: Services) -> None:
    from borderline.web import throttle

    t = 2_000_000.0
    allowed = 0
    while True:  # guesses from many addresses, each as soon as it is allowed
        wait = throttle.begin_attempt(services, "dana", f"203.0.113.{allowed % 250}", t)
        if wait == 0:
            allowed += 1
            t += 0.001
        elif allowed >= 60:
            break
        else:
            t += wait
    # The real user, from their own address, waits no longer than the cap, then gets in.
    wait = throttle.begin_attempt(services, "dana", "198.51.100.7", t)
    assert 0 < wait <= throttle.USER_MAX_DELAY
    assert throttle.begin_attempt(services, "dana", "198.51.100.7", t + wait) == 0
    throttle.succeeded(services, "dana", "198.51.100.7")
    assert throttle.begin_attempt(services, "dana", "198.51.100.7", t + wait) == 0


def test_one_address_guessing_many_names_backs_off_far_longer(services: Services) -> None:
    from borderline.web import throttle

    t = 3_000_000.0
    counted = 0
    while counted < throttle.ADDR_FREE + 6:
        wait = throttle.begin_attempt(services, f"name{counted}", "192.0.2.1", t)
        if wait == 0:
            counted += 1
        else:
            t += wait
    wait = throttle.begin_attempt(services, "someone-else", "192.0.2.1", t)
    assert wait > throttle.USER_MAX_DELAY


@pytest.mark.parametrize(
    ("failures", "free", "cap", "expected"),
    [
        (0, 5, 30.0, 0.0),
        (4, 5, 30.0, 0.0),
        (5, 5, 30.0, 1.0),
        (7, 5, 30.0, 4.0),
        (40, 5, 30.0, 30.0),
        (25, 20, 900.0, 32.0),
        (60, 20, 900.0, 900.0),
    ],
)
def test_backoff_doubles_up_to_its_cap(
    failures: int, free: int, cap: float, expected: float
) -> None:
    from borderline.web import throttle

    assert throttle.backoff(failures, free, cap) == expected
