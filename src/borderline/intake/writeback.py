"""Writing decisions back to the storefront: a Shopify order risk assessment per decision.

Enabled by ``BORDERLINE_SHOPIFY_ADMIN_TOKEN`` (an Admin API access token with the
``write_orders`` scope). Each assessed Shopify order gets a row in ``intake_writebacks``
before the webhook is answered; a background loop in the server (or ``borderline intake
writeback``) sends the GraphQL mutation ``orderRiskAssessmentCreate`` with the decision's
risk level and its main findings as facts, retrying with back-off until Shopify accepts it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from borderline.intake.tables import WritebackRow
from borderline.settings import env
from borderline.store import transaction

log = logging.getLogger(__name__)

# Borderline outcome -> Shopify RiskAssessmentResult.
RISK_LEVELS = {"approve": "LOW", "review": "MEDIUM", "hold": "HIGH", "decline": "HIGH"}
MAX_FACTS = 10
MAX_ATTEMPTS = 10

MUTATION = (
    "mutation orderRiskAssessmentCreate($input: OrderRiskAssessmentCreateInput!) {"
    " orderRiskAssessmentCreate(orderRiskAssessmentInput: $input) {"
    " orderRiskAssessment { riskLevel }"
    " userErrors { field message } } }"
)


class WritebackError(Exception):
    pass


def risk_assessment_request(decision: dict[str, Any], order_gid: str) -> dict[str, Any]:
    """The GraphQL request body for one decision (``decision`` as the API returns it)."""
    outcome = str(decision["outcome"])
    facts = [
        {
            "description": (
                f"Borderline: {outcome}, risk score {float(decision['score']):.0f}/100 "
                f"(decision {decision['decision_id']})"
            )[:256],
            "sentiment": "NEGATIVE" if outcome != "approve" else "POSITIVE",
        }
    ]
    findings = sorted(
        (f for f in decision.get("findings", []) if float(f.get("score", 0)) > 0),
        key=lambda f: -float(f.get("score", 0)),
    )
    for f in findings[: MAX_FACTS - 1]:
        facts.append(
            {"description": str(f.get("explanation", f["code"]))[:256], "sentiment": "NEGATIVE"}
        )
    return {
        "query": MUTATION,
        "variables": {
            "input": {"orderId": order_gid, "riskLevel": RISK_LEVELS[outcome], "facts": facts}
        },
    }


@dataclass
class ShopifyClient:
    """POSTs Admin GraphQL requests for one shop."""

    base_url: str
    token: str
    api_version: str
    http: httpx.Client

    @property
    def endpoint(self) -> str:
        return f"{self.base_url.rstrip('/')}/admin/api/{self.api_version}/graphql.json"

    def send(self, request: dict[str, Any]) -> None:
        try:
            resp = self.http.post(
                self.endpoint,
                json=request,
                headers={"X-Shopify-Access-Token": self.token, "Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise WritebackError(f"{type(exc).__name__}: {exc}") from None
        if resp.status_code != 200:
            raise WritebackError(f"HTTP {resp.status_code}: {resp.text[:300]}")
        try:
            answer = resp.json()
        except ValueError:
            raise WritebackError("the answer is not JSON") from None
        if answer.get("errors"):
            raise WritebackError(f"GraphQL errors: {answer['errors']}"[:1000])
        result = (answer.get("data") or {}).get("orderRiskAssessmentCreate") or {}
        if result.get("userErrors"):
            raise WritebackError(f"user errors: {result['userErrors']}"[:1000])


def enabled() -> bool:
    return bool(env("SHOPIFY_ADMIN_TOKEN").strip())


def queue_shopify(
    session: Session, *, order_id: str, shop: str, decision: dict[str, Any], order_gid: str
) -> bool:
    """Queue the write-back of a decision once per order; False if it was queued before."""
    if session.get(WritebackRow, order_id) is not None:
        return False
    now = datetime.now(UTC)
    session.add(
        WritebackRow(
            order_id=order_id,
            platform="shopify",
            shop=shop,
            decision_id=str(decision["decision_id"]),
            request=risk_assessment_request(decision, order_gid),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return True


def deliver_writebacks(
    sessions: sessionmaker[Session],
    *,
    http: httpx.Client | None = None,
    now: datetime | None = None,
    limit: int = 20,
) -> dict[str, int]:
    """Send due write-backs once; returns counts of done, retrying and failed."""
    token = env("SHOPIFY_ADMIN_TOKEN").strip()
    counts = {"done": 0, "retrying": 0, "failed": 0}
    if not token:
        return counts
    now = now or datetime.now(UTC)
    version = env("SHOPIFY_API_VERSION").strip()
    base_override = env("SHOPIFY_ADMIN_URL").strip()
    with sessions() as s:
        rows = list(
            s.execute(
                select(
                    WritebackRow.order_id,
                    WritebackRow.shop,
                    WritebackRow.request,
                    WritebackRow.attempts,
                    WritebackRow.next_attempt_at,
                )
                .where(WritebackRow.status == "pending", WritebackRow.next_attempt_at <= now)
                .order_by(WritebackRow.next_attempt_at)
                .limit(limit)
            )
        )
    own = http is None
    client = http or httpx.Client(timeout=10.0, follow_redirects=False)
    try:
        for order_id, shop, request, attempts, due in rows:
            with transaction(sessions) as s:
                # Lease the row for a minute: a second loop does not send it at the same time.
                won = s.execute(
                    update(WritebackRow)
                    .where(WritebackRow.order_id == order_id, WritebackRow.next_attempt_at == due)
                    .values(next_attempt_at=now + timedelta(seconds=60))
                    .execution_options(synchronize_session=False)
                )
            if getattr(won, "rowcount", 0) != 1:
                continue
            base = base_override or f"https://{shop}"
            error = None
            try:
                ShopifyClient(base, token, version, client).send(request)
            except WritebackError as exc:
                error = str(exc)
            with transaction(sessions) as s:
                row = s.get(WritebackRow, order_id)
                assert row is not None
                row.attempts = attempts + 1
                row.last_error = error
                if error is None:
                    row.status = "done"
                    counts["done"] += 1
                elif row.attempts >= MAX_ATTEMPTS:
                    row.status = "failed"
                    counts["failed"] += 1
                else:
                    row.next_attempt_at = datetime.now(UTC) + timedelta(
                        seconds=min(30 * 2 ** (row.attempts - 1), 6 * 3600)
                    )
                    counts["retrying"] += 1
    finally:
        if own:
            client.close()
    return counts


class WritebackLoop:
    """Background thread of the server that sends write-backs while the token is set."""

    def __init__(self, sessions: sessionmaker[Session], poll_seconds: float = 2.0) -> None:
        self.sessions = sessions
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="intake-writeback", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                deliver_writebacks(self.sessions)
            except Exception:  # never fatal: the next round retries
                log.warning("write-back round failed", exc_info=True)
            self._stop.wait(self.poll_seconds)
