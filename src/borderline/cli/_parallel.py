"""``borderline assess FILE --workers N``: a file of orders assessed by several processes.

One process decides about 700-1,000 orders a second on this project's reference machine with
every assessor on; most of that is the engine, which needs no lock. So the file is read here
and its orders are dealt to N worker processes, each with its own services (models, indexes,
database connections), **a customer always to the same worker**, in file order: a customer's
orders are decided one after the other with their history exactly as one process would (the
consistency checks, the history the policy sees). Each worker decides a batch in a read
session and stores it in one short write transaction (``DecisionRecorder.assess_batch``); on
SQLite the workers' write transactions follow each other through the writer lock
(``borderline.store.writers``), on PostgreSQL they run side by side.

Decisions are printed in the file's order, as with one process. What differs is only which
order of two different customers reached the ledger first.

When an assessor reads what was recorded for *other* customers' orders (the fraud feature
store with a model in service: shared cards, devices, addresses), dealing by customer would
change the features, so the command says so and assesses in this one process.
"""

from __future__ import annotations

import json
import multiprocessing
import queue
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from borderline.errors import BorderlineError, InvalidInput

# (where, payload) of the input, and what to print for it: (outcome or "error", JSON line).
Record = tuple[str, Any]
Printed = tuple[str, str]

_IN_FLIGHT = 2  # chunks handed out ahead of the one being printed


def assess_items(services: Any, pending: Sequence[Record]) -> list[Printed]:
    """Assess ``pending`` as one batch (one transaction); if the batch fails as a whole, order
    by order, so one bad record costs only itself. One printed line per record."""
    from borderline.service import BatchItem

    try:
        items = services.assess_batch([p for _, p in pending])
    except Exception:
        items = []
        for i, (_, payload) in enumerate(pending):
            item = BatchItem(index=i, order_id=None)
            try:
                item.decision, item.replayed = services.assess(payload)
            except BorderlineError as exc:
                item.error = {**exc.to_dict(), "status": exc.status}
            except Exception as exc:
                item.error = {"error": "failed", "message": f"{type(exc).__name__}: {exc}"}
            items.append(item)
    out: list[Printed] = []
    for i, ((where, _), item) in enumerate(zip(pending, items, strict=True)):
        if item.error:
            error = _located(item.error, f"orders[{i}]", where)
            line = json.dumps({"input": where, **error}, ensure_ascii=False, default=str)
            out.append(("error", line))
        else:
            assert item.decision is not None
            out.append((str(item.decision.outcome), item.decision.model_dump_json()))
    return out


def _located(value: Any, batch_place: str, where: str) -> Any:
    """An error with the batch's place of the order (``orders[3].total``) said as the input's
    (``orders.jsonl:51: total``): the batch is an accident of how the file was cut."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "where" and isinstance(v, str) and v.startswith(batch_place):
                rest = v[len(batch_place) :].lstrip(".")
                out[k] = f"{where}: {rest}" if rest else where
            else:
                out[k] = _located(v, batch_place, where)
        return out
    if isinstance(value, list):
        return [_located(v, batch_place, where) for v in value]
    return value


def _worker(inbox: Any, outbox: Any) -> None:
    """A worker process: open the services, say whether dealing by customer is sound, then
    assess each chunk handed to it until told to stop."""
    try:
        from borderline.cli._services import open_services

        services = open_services()
        outbox.put(("ready", services.reads_recorded()))
        while True:
            task = inbox.get()
            if task is None:
                return
            chunk, positions, records = task
            outbox.put(("done", (chunk, positions, assess_items(services, records))))
    except BaseException:
        outbox.put(("failed", traceback.format_exc()))


def customer_of(payload: Any) -> str:
    """The key a worker is chosen by: the order's customer key (``Order.customer_key``), or
    for a record that does not parse, nothing (it is refused wherever it goes)."""
    from borderline.service import parse_order

    try:
        return parse_order(payload, "").customer_key
    except InvalidInput:
        return ""


class Pool:
    """N worker processes, each with its own queue of chunks; results come back on one."""

    def __init__(self, workers: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.outbox: Any = ctx.Queue()
        self.inboxes: list[Any] = [ctx.Queue() for _ in range(workers)]
        self.procs = [
            ctx.Process(target=_worker, args=(inbox, self.outbox), daemon=True)
            for inbox in self.inboxes
        ]
        self.closed = False
        for p in self.procs:
            p.start()

    def receive(self) -> tuple[str, Any]:
        while True:
            try:
                kind, body = self.outbox.get(timeout=1.0)
            except queue.Empty:
                dead = [p for p in self.procs if not p.is_alive()]
                if dead:
                    raise RuntimeError(
                        f"an assess worker ended unexpectedly (exit code {dead[0].exitcode})"
                    ) from None
                continue
            if kind == "failed":
                raise RuntimeError(f"an assess worker failed:\n{body}")
            return kind, body

    def ready(self) -> bool:
        """True when every worker may take orders by customer."""
        shared = [self.receive()[1] for _ in self.procs]
        return not any(shared)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for inbox in self.inboxes:
            inbox.put(None)
        for p in self.procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()


def assess_in_workers(
    records: Iterable[Record],
    workers: int,
    batch_size: int,
    emit: Callable[[Printed], None],
    fallback: Callable[[Iterator[Record]], None],
) -> None:
    """Deal ``records`` to ``workers`` processes by customer and ``emit`` what to print for
    each, in input order; ``fallback`` gets them all when dealing by customer is not sound."""
    from borderline.cli._services import open_services

    # The database made and migrated, the first policy installed, here, once: not by N
    # processes at the same moment.
    open_services().close()
    pool = Pool(workers)
    try:
        if not pool.ready():
            pool.close()
            fallback(iter(records))
            return
        chunk_size = batch_size * workers
        waiting: dict[int, list[Printed | None]] = {}
        parts_left: dict[int, int] = {}
        next_out = 0

        def drain(until: int) -> None:
            nonlocal next_out
            while next_out < until:
                while parts_left.get(next_out, 0) > 0:
                    _, (chunk, positions, printed) = pool.receive()
                    lines = waiting[chunk]
                    for pos, line in zip(positions, printed, strict=True):
                        lines[pos] = line
                    parts_left[chunk] -= 1
                for line in waiting.pop(next_out):
                    assert line is not None
                    emit(line)
                parts_left.pop(next_out)
                next_out += 1

        def hand_out(chunk: int, batch: list[Record]) -> None:
            by_worker: list[tuple[list[int], list[Record]]] = [([], []) for _ in range(workers)]
            for pos, record in enumerate(batch):
                k = hash(customer_of(record[1])) % workers
                by_worker[k][0].append(pos)
                by_worker[k][1].append(record)
            waiting[chunk] = [None] * len(batch)
            parts_left[chunk] = 0
            for k, (positions, part) in enumerate(by_worker):
                if part:
                    pool.inboxes[k].put((chunk, positions, part))
                    parts_left[chunk] += 1

        chunk, batch = 0, []
        for record in records:
            batch.append(record)
            if len(batch) >= chunk_size:
                hand_out(chunk, batch)
                chunk, batch = chunk + 1, []
                drain(chunk - _IN_FLIGHT)
        if batch:
            hand_out(chunk, batch)
            chunk += 1
        drain(chunk)
    finally:
        pool.close()
