"""Group commit: one writer thread stores the decisions of concurrent requests together.

Without it, every request opened its own write transaction after its engine run: on SQLite the
writers queued on the database lock (SQLite's busy handler sleeps between tries, so a queue of
eight became seconds of tail latency), and on both databases each order paid its own commit and
its own ledger append. Now a request runs the engine outside any write transaction
(``DecisionRecorder.decide``), hands the decided order to the committer and waits; the committer
takes every order waiting at that moment (up to ``max_group``) and stores them in one
transaction (``DecisionRecorder.record_group``, which looks again for the same order id stored
meanwhile, or twice in the group) with one statement per table and one ledger append, and
commits once.

What a receipt proves is unchanged: each order still gets its own ledger entry, appended in the
same transaction as its rows, and a request returns only after that transaction committed. An
order that fails alone (a conflicting payload for an id stored meanwhile) is refused before
anything is written; anything that fails the transaction fails every order of the group, none
stored (the caller gets the error: 503 for a busy database).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, cast

from sqlalchemy.exc import IntegrityError, OperationalError

from borderline.model import Decision
from borderline.store import begin_write, transaction

if TYPE_CHECKING:
    from borderline.decisions.record import Decided, DecisionRecorder

log = logging.getLogger(__name__)

_STOP = object()
_Item = list[tuple["Decided", Future[tuple[Decision, bool]]]]


class GroupCommitter:
    def __init__(self, recorder: DecisionRecorder, *, max_group: int = 64) -> None:
        self.recorder = recorder
        self.max_group = max_group
        self._queue: queue.Queue[object] = queue.Queue()
        self.groups = 0  # transactions committed (or failed), for tests and the bench
        self.orders = 0
        self._thread = threading.Thread(target=self._run, name="borderline-commit", daemon=True)
        self._thread.start()

    def enqueue(self, decided: Sequence[Decided]) -> list[Future[tuple[Decision, bool]]]:
        """Queue decided orders for the next group, together; each future resolves once its
        order is committed (or fails with the group). An event loop awaits them without
        holding a thread."""
        if not self._thread.is_alive():
            raise RuntimeError("the decision committer has stopped")
        item = [(d, Future[tuple[Decision, bool]]()) for d in decided]
        if item:
            self._queue.put(item)
        return [done for _, done in item]

    def stop(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            group = list(cast(_Item, first))
            stopping = False
            while len(group) < self.max_group:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                group.extend(cast(_Item, item))
            self._commit(group)
            if stopping:
                return

    def _commit(self, group: list[tuple[Decided, Future[tuple[Decision, bool]]]]) -> None:
        decided = [d for d, _ in group]
        results: Sequence[tuple[Decision, bool] | BaseException] = []
        for attempt in (1, 2):
            try:
                with transaction(self.recorder.sessions) as s:
                    begin_write(s)
                    results = self.recorder.record_group(s, decided)
                break
            except (IntegrityError, OperationalError) as exc:
                # Another process wrote one of these order ids, or held the database: the
                # whole group was rolled back; once more sees its rows and replays them.
                if attempt == 2:
                    results = [exc] * len(group)
            except BaseException as exc:  # nothing of the group was stored: say so to each
                log.exception("storing a group of %d decisions failed", len(group))
                results = [exc] * len(group)
                break
        self.groups += 1
        self.orders += len(group)
        for (_, done), result in zip(group, results, strict=True):
            if isinstance(result, BaseException):
                done.set_exception(result)
            else:
                done.set_result(result)
