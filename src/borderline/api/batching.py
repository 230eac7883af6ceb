"""Requests that arrive together are decided together and stored in one group.

The group committer (``decisions.group``) stores every decided order waiting when it starts a
transaction. With the engine run on the event loop one request at a time, that was one or two
orders per transaction (1.55 on average at concurrency 8), and each transaction's fixed cost
(its dozen statements and the commit) was paid again and again. Here a request's order waits
for the other requests already in progress that have not reached the decision yet (still
reading their body, checking the key), for at most :data:`MAX_WAIT_S`; then the loop decides
them all (one session, one look at the active policy) and hands the new ones to the committer
as one group. A request alone, or with only requests that wait for their commit, is decided
at once.

Each request still gets its own decision, ledger entry and receipt, and returns only after its
group committed (``decisions.group``); a replay or a conflict is answered without waiting for
the commit.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import Future
from typing import TYPE_CHECKING

from borderline.api.limits import InFlight
from borderline.model import Decision, Order

if TYPE_CHECKING:
    from borderline.service import Services

Started = tuple[Decision, bool] | Future[tuple[Decision, bool]]

# The longest an order waits for requests still on their way to the decision, and how often
# the loop looks whether they arrived.
MAX_WAIT_S = 0.002
LOOK_EVERY_S = 0.0002


class TurnBatcher:
    """Collects the orders of requests that arrive together and decides them together."""

    def __init__(self, services: Services, inflight: InFlight | None = None) -> None:
        self.services = services
        self.inflight = inflight
        self._pending: list[tuple[Order, asyncio.Future[Started]]] = []
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop a flush is due on
        self._since = 0.0
        self._committing = 0  # requests waiting for their group's commit

    async def assess(self, order: Order) -> tuple[Decision, bool]:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Started] = loop.create_future()
        if self._loop is not loop:  # nothing due on this loop (a stopped loop's turn is void)
            self._loop, self._pending, self._since = loop, [], time.monotonic()
            loop.call_soon(self._flush)
        self._pending.append((order, waiter))
        started = await waiter
        if isinstance(started, tuple):
            return started
        self._committing += 1
        try:
            return await asyncio.wrap_future(started)
        finally:
            self._committing -= 1

    def _on_their_way(self) -> int:
        """Requests in progress that are neither waiting here nor for their commit."""
        if self.inflight is None:
            return 0
        return self.inflight.n - len(self._pending) - self._committing

    def _flush(self) -> None:
        loop = self._loop
        if (
            loop is not None
            and self._on_their_way() > 0
            and time.monotonic() - self._since < MAX_WAIT_S
        ):
            loop.call_later(LOOK_EVERY_S, self._flush)
            return
        batch, self._pending, self._loop = self._pending, [], None
        try:
            results = self.services.start_assess_many([order for order, _ in batch])
        except BaseException as exc:  # nothing was handed on: every request hears why
            for _, waiter in batch:
                if not waiter.done():
                    waiter.set_exception(exc)
            return
        for (_, waiter), result in zip(batch, results, strict=True):
            if waiter.done():  # the client went away and its request was cancelled
                continue
            if isinstance(result, BaseException):
                waiter.set_exception(result)
            else:
                waiter.set_result(result)
