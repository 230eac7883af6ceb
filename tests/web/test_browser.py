"""End-to-end: a real Chromium drives the workspace the way an analyst, an admin and an auditor
would. Screenshots land in test-artifacts/web/."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from borderline.accounts import SessionRow
from borderline.cases.store import CaseEventRow, CaseRow
from borderline.store import transaction
from borderline.store.models import DecisionRow, LabelRow, LedgerLeafRow

pytestmark = pytest.mark.browser


def _queued_decision(live: Any, skip: int = 0) -> str:
    with live.services.sessions() as s:
        return str(
            s.scalars(
                select(DecisionRow.id)
                .where(DecisionRow.outcome.in_(["review", "hold"]))
                .order_by(DecisionRow.id)
                .offset(skip)
                .limit(1)
            ).one()
        )


def _post_form(page: Any, action: str) -> None:
    """Submit a hand-made form with the page's valid CSRF token (what a crafted request does)."""
    csrf = page.locator("main").get_attribute("data-csrf")
    with page.expect_navigation():
        page.evaluate(
            """([a, t]) => { const f = document.createElement('form'); f.method = 'post';
            f.action = a; const i = document.createElement('input'); i.name = 'csrf';
            i.value = t; f.appendChild(i); document.body.appendChild(f); f.submit(); }""",
            [action, csrf],
        )


def test_sign_in_wrong_password_then_sign_out(new_page: Any, login: Any, screenshot: Any) -> None:
    page = new_page()
    page.goto("/web/queue")
    assert "/web/login" in page.url  # not signed in: sent to sign-in, then back
    login(page, "bob", "not-the-password")
    assert page.get_by_role("alert").inner_text() == "Wrong user name or password."
    screenshot(page, "01-sign-in-error")
    login(page, "bob")
    page.wait_for_url("**/web/queue")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Review queue")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/web/login?out=1")
    assert "signed out" in page.get_by_role("status").inner_text()
    page.goto("/web/queue")
    assert "/web/login" in page.url  # the old session is gone server-side


def test_wrong_passwords_back_off_but_never_lock_the_user_out(
    new_page: Any, login: Any, screenshot: Any, live: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from borderline import accounts
    from borderline.web import throttle

    # The first back-off step is one second; a browser on a loaded machine can take longer
    # than that to send the next attempt, which would then be allowed. Four seconds here
    # (the server runs in this process): the doubling and the cap are tested in test_cases.py.
    real = throttle.backoff
    monkeypatch.setattr(throttle, "backoff", lambda *a: 4 * real(*a))
    accounts.add_user(live.services, "lockout-user", "analyst", "lockout-secret-pw")
    page = new_page()
    for _ in range(throttle.USER_FREE):
        login(page, "lockout-user", "a-wrong-guess")
        assert page.get_by_role("alert").inner_text() == "Wrong user name or password."
    # The next attempt, even with the right password, must wait: it is not even checked.
    login(page, "lockout-user", "lockout-secret-pw")
    assert page.get_by_role("alert").inner_text().startswith("Too many wrong passwords. Try again")
    screenshot(page, "01b-sign-in-back-off")
    assert "/web/login" in page.url
    page.wait_for_timeout(4500)  # the first back-off step, four seconds here
    login(page, "lockout-user", "lockout-secret-pw")
    page.wait_for_url("**/web/queue")


def test_expired_session_asks_to_sign_in_again(new_page: Any, live: Any) -> None:
    page = new_page("dave")
    page.wait_for_url("**/web/queue")
    with transaction(live.services.sessions) as s:
        s.execute(
            update(SessionRow)
            .where(SessionRow.user == "dave")
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    page.goto("/web/cases")
    assert "/web/login" in page.url and "expired=1" in page.url
    assert "session expired" in page.get_by_role("status").inner_text()


def test_work_typed_before_expiry_is_not_lost(new_page: Any, live: Any) -> None:
    from borderline.cases import service as cases

    case_id = cases.open_case(live.services, [_queued_decision(live, 8)], "dave")
    page = new_page("dave")
    page.goto(f"/web/cases/{case_id}")
    page.get_by_label("Add a note").fill("A long note typed over lunch.")
    with transaction(live.services.sessions) as s:
        s.execute(
            update(SessionRow)
            .where(SessionRow.user == "dave")
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    page.get_by_role("button", name="Add note").click()
    assert "session expired before this was saved" in page.get_by_role("status").inner_text()
    assert page.get_by_label("Your unsaved note").input_value() == "A long note typed over lunch."
    with live.services.sessions() as s:
        n = s.scalar(
            select(func.count()).where(CaseEventRow.case_id == case_id, CaseEventRow.kind == "note")
        )
    assert n == 0
    page.get_by_label("User name").fill("dave")
    page.get_by_label("Password", exact=True).fill("dave-secret-pw")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/web/cases/{case_id}")


def test_forged_csrf_token_is_refused(new_page: Any, screenshot: Any, live: Any) -> None:
    page = new_page("bob")
    did = _queued_decision(live, 5)
    page.goto(f"/web/decisions/{did}")
    page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(i => i.value = 'forged')")
    page.get_by_role("button", name="Claim").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Security check failed"
    assert "Nothing was changed" in page.get_by_role("alert").inner_text()
    screenshot(page, "02-csrf-refused")
    # A cookie-authenticated API write without the header is refused too.
    status = page.evaluate(
        "fetch('/v1/policies', {method: 'POST', headers: {'Content-Type': "
        "'application/json'}, body: JSON.stringify({source: 'x'})})"
        ".then(r => r.status)"
    )
    assert status == 403


def test_queue_filter_sort_and_claim_with_keyboard(new_page: Any, screenshot: Any) -> None:
    page = new_page("bob")
    page.get_by_label("Score from").fill("30")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=re.compile("^Score")).click()  # sort by score, highest first
    page.wait_for_load_state()  # the keys below need the deferred queue script
    cells = page.locator("table.queue tbody td.num:nth-child(4)").all_inner_texts()
    scores = [float(t) for t in cells]
    assert scores and all(s >= 30 for s in scores)
    assert scores == sorted(scores, reverse=True)
    # Keyboard: j moves to the first row, x selects it, c claims the selection.
    page.locator("body").press("j")
    page.keyboard.press("x")
    first_order = page.locator("tr.cur a.open").inner_text()
    page.keyboard.press("c")
    page.wait_for_url("**msg=Claimed*")
    assert "Claimed 1 decision(s)." in page.get_by_role("status").inner_text()
    page.get_by_label("Assignee", exact=True).select_option("me")
    page.get_by_role("button", name="Filter").click()
    assert first_order in page.locator("table.queue").inner_text()
    # Assign another one to dave.
    page.goto("/web/queue?assignee=none")
    page.locator("table.queue tbody input[type=checkbox]").first.check()
    page.get_by_label("Assign to").select_option("dave")
    page.get_by_role("button", name="Assign", exact=True).click()
    assert "Assigned 1 to dave." in page.get_by_role("status").inner_text()
    page.goto("/web/queue?sort=age")
    screenshot(page, "03-review-queue", full=False)


def test_case_from_decision_to_disposition_and_label(
    new_page: Any, screenshot: Any, live: Any
) -> None:
    page = new_page("bob")
    did = _queued_decision(live, 1)
    page.goto(f"/web/decisions/{did}")
    assert page.get_by_role("heading", name="Why: the explanation").is_visible()
    assert page.locator("ul.tree").inner_text().count("→") >= 1  # rules that fired
    screenshot(page, "04-decision")
    page.get_by_role("button", name="Open case").click()
    page.wait_for_url("**/web/cases/case_*")
    case_id = page.url.split("/web/cases/")[1].split("?")[0]
    page.get_by_label("Add a note").fill("Called the buyer; card holder confirms the order.")
    page.get_by_role("button", name="Add note").click()
    assert "Note added." in page.get_by_role("status").inner_text()
    page.get_by_label("legitimate", exact=True).check()
    page.get_by_label("Reason (kept with the case)").fill("Buyer verified by phone.")
    page.get_by_role("button", name="Close case with this disposition").click()
    assert "1 label(s) recorded" in page.get_by_role("status").inner_text()
    assert page.locator("#case-status").inner_text() == "closed"
    screenshot(page, "05-case-closed")
    with live.services.sessions() as s:
        order_id = s.get(DecisionRow, did).order_id
        labels = s.scalars(select(LabelRow).where(LabelRow.order_id == order_id)).all()
        assert [(lab.kind, lab.is_fraud, lab.source) for lab in labels] == [
            ("legitimate", False, "bob")
        ]
        kinds = s.scalars(
            select(LedgerLeafRow.kind).where(LedgerLeafRow.subject.startswith(case_id + "/e"))
        ).all()
        assert kinds == ["case.open", "case.note", "case.disposition"]
    # Dispositioned work leaves the queue.
    page.goto("/web/queue?sort=age")
    assert order_id not in page.locator("table.queue").inner_text()


def test_two_analysts_disposition_the_same_case(new_page: Any, screenshot: Any, live: Any) -> None:
    from borderline.cases import service as cases

    did = _queued_decision(live, 2)
    case_id = cases.open_case(live.services, [did], "bob")
    bob, dave = new_page("bob"), new_page("dave")
    for p in (bob, dave):
        p.goto(f"/web/cases/{case_id}")
    bob.get_by_label("confirmed fraud").check()
    bob.get_by_label("Reason (kept with the case)").fill("Card reported stolen.")
    dave.get_by_label("false positive").check()
    dave.get_by_label("Reason (kept with the case)").fill("Dave's long careful reasoning.")
    bob.get_by_role("button", name="Close case with this disposition").click()
    assert "label(s) recorded" in bob.get_by_role("status").inner_text()
    dave.get_by_role("button", name="Close case with this disposition").click()
    alert = dave.get_by_role("alert").inner_text()
    assert "changed by someone else" in alert and "reload" in alert
    # Dave's text is kept on the page, ready to be added as a note.
    assert dave.get_by_label("Add a note").input_value() == "Dave's long careful reasoning."
    screenshot(dave, "06-case-conflict")
    with live.services.sessions() as s:
        case = s.get(CaseRow, case_id)
        assert (case.status, case.disposition) == ("closed", "confirmed_fraud")
        n = s.scalar(
            select(func.count())
            .select_from(CaseEventRow)
            .where(CaseEventRow.case_id == case_id, CaseEventRow.kind == "disposition")
        )
        assert n == 1
        report = live.services.ledger.verify(s)
    assert report.ok, report.problems


def test_policy_edit_backtest_and_four_eyes_activation(
    new_page: Any, screenshot: Any, live: Any
) -> None:
    page = new_page("alice")
    page.goto("/web/policies")
    page.get_by_role("link", name="New draft from the active policy").click()
    editor = page.get_by_label("Policy source")
    source = editor.input_value()
    editor.fill(source + "\nrule broken: review when score >\n")
    status = page.locator("#policy-status")
    status.filter(has_text="Line").wait_for()
    line = len((source + "\nrule broken: review when score >").splitlines())
    assert f"Line {line}, column" in status.inner_text()
    assert page.locator(".errline").inner_text().startswith("rule broken")
    screenshot(page, "07-policy-inline-error")
    # Saving anyway is refused on the server with the same inline error; nothing is stored.
    page.get_by_role("button", name="Save draft").click()
    assert f"Line {line}, column" in page.locator("#policy-status").inner_text()
    # Fix it: a lower review threshold.
    page.get_by_label("Policy source").fill(source.replace("review 25", "review 15"))
    status.filter(has_text="compiles").wait_for()
    page.get_by_label("What changed and why").fill("review from 15")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r".*/web/policies/\d+\?msg=.*"))
    version = int(re.search(r"/web/policies/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    page.get_by_role("button", name="Backtest on stored orders").click()
    table = page.locator("#bt-outcomes")
    assert "With v" in table.inner_text()
    review_row = table.locator("tr", has_text="review").first.all_inner_texts()[0]
    now, then = [int(x) for x in review_row.split()[1:3]]
    assert then > now
    assert page.locator("#bt-changes tbody tr").count() > 0
    screenshot(page, "08-policy-backtest")
    # The author may not activate her own version.
    page.goto(f"/web/policies/{version}")
    assert "+thresholds review 15" in page.locator("pre.diff").inner_text()
    page.get_by_role("button", name="Activate anyway").click()
    assert "another person must activate it" in page.get_by_role("alert").inner_text()
    # An analyst may not activate at all.
    bob = new_page("bob")
    bob.goto(f"/web/policies/{version}")
    assert bob.get_by_role("button", name=re.compile("Activate")).count() == 0
    _post_form(bob, f"/web/policies/{version}/activate")
    assert "may not activate policies" in bob.get_by_role("alert").inner_text()
    screenshot(bob, "09-analyst-forbidden")
    # A second admin activates it.
    carol = new_page("carol")
    carol.goto(f"/web/policies/{version}")
    carol.get_by_role("button", name=f"Activate v{version}").click()
    assert f"Version {version} is now active." in carol.get_by_role("status").inner_text()
    assert live.services.get_policy()["version"] == version
    screenshot(carol, "10-policy-activated")


def test_policy_text_typed_before_the_editor_script_loaded_is_checked(
    new_page: Any, live: Any
) -> None:
    """A fast typist (or a slow network) fills the editor before its deferred script has run:
    the script checks what is already there when it starts."""
    page = new_page("alice")
    held: list[Any] = []
    page.route("**/web/static/policy.js", lambda route: held.append(route))
    page.goto("/web/policies/new", wait_until="commit")
    editor = page.get_by_label("Policy source")
    source = editor.input_value()
    editor.fill(source + "\nrule broken: review when score >\n")
    while not held:
        page.wait_for_timeout(50)
    held[0].continue_()
    page.locator("#policy-status").filter(has_text="Line").wait_for()
    assert page.locator(".errline").inner_text().startswith("rule broken")


def test_verify_ledger_receipt_in_the_page(new_page: Any, screenshot: Any, live: Any) -> None:
    page = new_page("erin")  # an auditor can verify
    did = _queued_decision(live, 3)
    page.goto(f"/web/decisions/{did}")
    page.get_by_role("button", name="Verify receipt").click()
    verdict = page.locator("#verify-verdict")
    # The server signs a fresh checkpoint first; allow for a busy shared CI machine.
    page.locator("#verify-result", has_text=re.compile("Verified|FAILED|Could not")).wait_for(
        timeout=30_000
    )
    assert verdict.count() == 1, page.locator("#verify-result").inner_text()
    assert verdict.inner_text().startswith("Verified"), page.locator("#verify-result").inner_text()
    page.locator("#verify-result[data-client]").wait_for()
    assert page.locator("#verify-result").get_attribute("data-client") == "pass"
    results = page.locator("#verify-result li").all_inner_texts()
    assert len(results) >= 5 and not any("FAIL" in r for r in results)
    screenshot(page, "11-ledger-verified")


def test_tampered_decision_fails_verification(new_page: Any, live: Any) -> None:
    from sqlalchemy import text

    did = _queued_decision(live, 7)
    with transaction(live.services.sessions) as s:
        body = s.get(DecisionRow, did).body
        s.execute(
            text("UPDATE decisions SET body = :b WHERE id = :i"),
            {"b": __import__("json").dumps({**body, "score": 1.0}), "i": did},
        )
    try:
        page = new_page("erin")
        page.goto(f"/web/decisions/{did}")
        page.get_by_role("button", name="Verify receipt").click()
        page.locator("#verify-verdict").wait_for()
        assert "FAILED" in page.locator("#verify-verdict").inner_text()
        assert "changed after logging" in page.locator("#verify-result").inner_text()
    finally:
        with transaction(live.services.sessions) as s:
            s.execute(
                text("UPDATE decisions SET body = :b WHERE id = :i"),
                {"b": __import__("json").dumps(body), "i": did},
            )


def test_auditor_reads_everything_and_changes_nothing(new_page: Any, live: Any) -> None:
    page = new_page("erin")
    for path in (
        "/web/queue",
        "/web/cases?status=",
        "/web/policies",
        "/web/lists",
        "/web/analytics",
    ):
        page.goto(path)
        assert "Read-only" in page.locator(".readonly").inner_text()
    page.goto("/web/queue")
    assert page.get_by_role("button", name="Claim").count() == 0
    did = _queued_decision(live, 4)
    page.goto(f"/web/decisions/{did}")
    assert page.get_by_role("button", name="Open case").count() == 0
    _post_form(page, f"/web/decisions/{did}/case")
    assert page.get_by_role("heading", level=1).inner_text() == "Not allowed"
    assert "auditor" in page.get_by_role("alert").inner_text()


def test_lists_analytics_and_tablet_width(new_page: Any, screenshot: Any) -> None:
    page = new_page("bob")
    page.goto("/web/lists")
    page.get_by_label("List", exact=True).last.fill("chargebacks")
    page.get_by_label("Kind").select_option("email")
    page.get_by_label("Value").fill("mallory@example.com")
    page.get_by_label("Reason").fill("two chargebacks")
    page.get_by_role("button", name="Add", exact=True).click()
    assert "Added email mallory@example.com" in page.get_by_role("status").inner_text()
    page.get_by_role("button", name="Remove mallory@example.com from chargebacks").click()
    assert "Removed entry" in page.get_by_role("status").inner_text()
    page.goto("/web/analytics")
    assert page.locator("svg.chart").count() >= 3
    assert page.locator("table.heat td[title]").count() > 0
    screenshot(page, "12-analytics")
    tablet = new_page("bob", width=768, height=1024)
    tablet.goto("/web/queue")
    # No horizontal page scroll at tablet width: wide tables scroll inside their own box.
    assert tablet.evaluate("document.documentElement.scrollWidth") <= 768
    screenshot(tablet, "13-queue-tablet", full=False)


@pytest.mark.parametrize(
    "path", ["/web/queue", "/web/cases", "/web/policies/new", "/web/lists", "/web/analytics"]
)
def test_every_form_control_has_a_label(new_page: Any, path: str) -> None:
    page = new_page("alice")
    page.goto(path)
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
        .filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length)
                && !e.getAttribute('aria-label'))
        .map(e => e.name || e.id)"""
    )
    assert unlabelled == []


def test_sanctions_hit_side_by_side_and_cleared(new_page: Any, screenshot: Any, live: Any) -> None:
    # Screening ships with Borderline: if the seeded hit is missing, that is a failure.
    assert live.screening, "could not seed a sanctions hit: is the screening domain broken?"
    page = new_page("bob")
    page.goto("/web/decisions/web-sanctions-1")
    section = page.locator("section.domain-screening")
    assert section.get_by_role("heading", name="Sanctions and denied parties").is_visible()
    table = section.locator("table.side").first
    headers = table.locator("thead th").all_inner_texts()
    assert headers[:3] == ["In the order", "On the list", "List, entry"]
    rows = section.locator("table.side tbody tr").all_inner_texts()
    # Each hit beside the party as written in the order. The FCDO UK entry carries no date of
    # birth or UN number to link it to the OFAC one, so they are two hits: both are shown.
    assert rows and all("Vladimir Vladimirovich PUTIN" in r for r in rows)
    assert any("PUTIN, Vladimir Vladimirovich" in r and "us_ofac_sdn" in r for r in rows)
    assert any("uk_sl RUS0251" in r for r in rows)
    screenshot(page, "14-sanctions-hit")
    section.locator("summary", has_text="Clear this hit").first.click()
    section.get_by_label("Reason").first.fill("Different person: date of birth differs")
    section.get_by_role("button", name="Whitelist this match").first.click()
    assert "Whitelist decision recorded." in page.get_by_role("status").inner_text()
    page.goto("/web/lists/sanctions")
    assert "Different person" in page.locator("main").inner_text()


def test_sanctions_list_import_history_shows_what_changed(
    new_page: Any, screenshot: Any, live: Any, tmp_path: Any
) -> None:
    import json

    from borderline.screening import service as screening_service
    from borderline.screening import use_data_dir

    def ftm(path: Any, people: dict[str, str]) -> Any:
        path.write_text(
            "".join(
                json.dumps({"id": k, "schema": "Person", "properties": {"name": [v]}}) + "\n"
                for k, v in people.items()
            )
        )
        return path

    use_data_dir(live.services.settings.data_dir)  # as opening the live server's services did
    v1 = ftm(tmp_path / "v1.jsonl", {"p1": "Ordo Testvalue", "p2": "Quillan Examplar"})
    v2 = ftm(tmp_path / "v2.jsonl", {"p1": "Ordo Q. Testvalue", "p3": "Ysolde Samplewright"})
    for path in (v1, v2):
        screening_service.import_list(
            path,
            format="ftm",
            list_name="demo_watch",
            rescreen=False,
            actor="bob",
            services=live.services,
        )
    page = new_page("bob")
    page.goto("/web/lists/sanctions")
    row = page.locator("tr", has_text="demo_watch").filter(has_text="bob").first
    row.wait_for()  # reading the cells does not wait for the row (it failed once at load 9)
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[5:8] == ["1", "1", "1"], cells  # added, removed, changed
    page.get_by_text("Entries that changed in demo_watch").first.click()
    body = page.locator("ul.diff").first.inner_text()
    assert "Ysolde Samplewright" in body and "Quillan Examplar" in body
    assert "names" in body  # the changed entry says which field changed
    screenshot(page, "sanctions-list-diff")
