"""Delivering the outbox: at least once, with exponential back-off and a give-up limit.

A delivery is claimed by moving its ``next_attempt_at`` forward by a lease (twice the request
time limit plus five seconds) with a conditional UPDATE, so two dispatchers (two server
workers, or the server and ``borderline webhooks deliver``) never send the same delivery at
once; a process
killed mid-request leaves the lease to expire and the delivery is sent again. Any 2xx answer
delivers; anything else (an error status, a redirect, a refused connection, a time-out) is
logged as an attempt and retried after ``backoff * 2**(attempts-1)`` seconds (capped at six
hours, with ±10 % jitter so a recovering endpoint is not hit by every retry at once) until
``max_attempts``, when the delivery is marked failed. ``resend`` puts it back in the queue.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

import borderline
from borderline.settings import env
from borderline.store import transaction
from borderline.webhooks.signing import EVENT_HEADER, SIGNATURE_HEADER, sign
from borderline.webhooks.tables import AttemptRow, DeliveryRow, EndpointRow, EventRow

log = logging.getLogger(__name__)

MAX_DELAY_SECONDS = 6 * 3600
LEASE_MARGIN_SECONDS = 5.0


@dataclass(frozen=True)
class DispatchConfig:
    max_attempts: int = field(default_factory=lambda: int(env("WEBHOOKS_MAX_ATTEMPTS")))
    backoff_seconds: float = field(default_factory=lambda: float(env("WEBHOOKS_BACKOFF_SECONDS")))
    timeout_seconds: float = field(default_factory=lambda: float(env("WEBHOOKS_TIMEOUT_SECONDS")))
    poll_seconds: float = field(default_factory=lambda: float(env("WEBHOOKS_POLL_SECONDS")))
    batch: int = 50
    concurrency: int = 4


def backoff_delay(attempts: int, base: float, *, rng: Callable[[], float] = random.random) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt (1-based)."""
    raw = min(base * 2 ** max(attempts - 1, 0), MAX_DELAY_SECONDS)
    return float(raw * (0.9 + 0.2 * rng()))


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed: compact JSON, keys sorted, UTF-8."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


@dataclass
class Job:
    delivery_id: int
    attempts: int
    url: str
    secret: str
    event_type: str
    payload: dict[str, Any]


@dataclass
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: float

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass
class DeliverReport:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _claim(
    sessions: sessionmaker[Session], config: DispatchConfig, now: datetime, only: int | None
) -> list[Job]:
    # Long enough for the request (connect and read each get the time limit) to end first.
    lease_until = now + timedelta(seconds=2 * config.timeout_seconds + LEASE_MARGIN_SECONDS)
    jobs: list[Job] = []
    with transaction(sessions) as s:
        q = (
            select(
                DeliveryRow.id,
                DeliveryRow.next_attempt_at,
                DeliveryRow.attempts,
                EndpointRow.url,
                EndpointRow.secret,
                EventRow.type,
                EventRow.payload,
            )
            .join(EndpointRow, EndpointRow.id == DeliveryRow.endpoint_id)
            .join(EventRow, EventRow.id == DeliveryRow.event_id)
            .where(
                DeliveryRow.status == "pending",
                DeliveryRow.next_attempt_at <= now,
                EndpointRow.disabled_at.is_(None),
            )
            .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
            .limit(config.batch)
        )
        if only is not None:
            q = q.where(DeliveryRow.id == only)
        for did, due, attempts, url, secret, etype, payload in s.execute(q).all():
            # Ours only if nobody moved it since we read it (another dispatcher's lease).
            won = s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == did, DeliveryRow.next_attempt_at == due)
                .values(next_attempt_at=lease_until)
                .execution_options(synchronize_session=False)
            )
            if getattr(won, "rowcount", 0) == 1:
                jobs.append(Job(did, attempts, url, secret, etype, dict(payload)))
    return jobs


def send(client: httpx.Client, job: Job) -> Outcome:
    body = body_bytes(job.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"Borderline-Webhooks/{borderline.__version__}",
        SIGNATURE_HEADER: sign(job.secret, body),
        EVENT_HEADER: job.event_type,
        "Borderline-Delivery": str(job.delivery_id),
    }
    t0 = time.perf_counter()
    try:
        resp = client.post(job.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:1000], _ms(t0))
    error = None if 200 <= resp.status_code < 300 else f"HTTP {resp.status_code}"
    return Outcome(resp.status_code, error, _ms(t0))


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 3)


def _record(
    sessions: sessionmaker[Session],
    config: DispatchConfig,
    job: Job,
    out: Outcome,
    trigger: str,
    rng: Callable[[], float],
) -> str:
    now = datetime.now(UTC)
    attempt = job.attempts + 1
    with transaction(sessions) as s:
        row = s.get(DeliveryRow, job.delivery_id)
        if row is None or row.status != "pending":
            return "gone"
        s.add(
            AttemptRow(
                delivery_id=job.delivery_id,
                attempt=attempt,
                at=now,
                status_code=out.status_code,
                error=out.error,
                duration_ms=out.duration_ms,
                trigger=trigger,
            )
        )
        row.attempts, row.last_status, row.last_error = attempt, out.status_code, out.error
        if out.ok:
            row.status, row.delivered_at = "delivered", now
        elif attempt >= config.max_attempts:
            row.status = "failed"
        else:
            delay = backoff_delay(attempt, config.backoff_seconds, rng=rng)
            row.next_attempt_at = now + timedelta(seconds=delay)
        return row.status if row.status != "pending" else "retrying"


def deliver_due(
    sessions: sessionmaker[Session],
    config: DispatchConfig | None = None,
    *,
    now: datetime | None = None,
    only: int | None = None,
    trigger: str = "auto",
    client: httpx.Client | None = None,
    rng: Callable[[], float] = random.random,
) -> DeliverReport:
    """Send every delivery due at ``now`` (one claim of up to ``config.batch``) and log it."""
    config = config or DispatchConfig()
    report = DeliverReport()
    try:
        jobs = _claim(sessions, config, now or datetime.now(UTC), only)
    except OperationalError:
        # SQLite: another dispatcher claimed at the same moment; the next round retries.
        log.debug("webhook claim lost a race", exc_info=True)
        return report
    report.claimed = len(jobs)
    if not jobs:
        return report
    own = client is None
    http = client or httpx.Client(timeout=config.timeout_seconds, follow_redirects=False)
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(config.concurrency, len(jobs)))) as pool:
            outcomes = list(pool.map(lambda j: send(http, j), jobs))
    finally:
        if own:
            http.close()
    for job, out in zip(jobs, outcomes, strict=True):
        result = _record(sessions, config, job, out, trigger, rng)
        if result == "delivered":
            report.delivered += 1
        elif result == "failed":
            report.failed += 1
        elif result == "retrying":
            report.retrying += 1
    return report


class Dispatcher:
    """A background thread that delivers due webhooks every ``poll_seconds``.

    Runs beside the API in the server process; requests never wait for it.
    """

    def __init__(self, sessions: sessionmaker[Session], config: DispatchConfig | None = None):
        self.sessions = sessions
        self.config = config or DispatchConfig()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="webhook-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        with httpx.Client(timeout=self.config.timeout_seconds, follow_redirects=False) as http:
            while not self._stop.is_set():
                try:
                    report = deliver_due(self.sessions, self.config, client=http)
                except Exception:  # a database hiccup must not end delivery for good
                    log.warning("webhook dispatch round failed", exc_info=True)
                    report = DeliverReport()
                # A full batch means more may be due: go again at once.
                if report.claimed < self.config.batch:
                    self._stop.wait(self.config.poll_seconds)
