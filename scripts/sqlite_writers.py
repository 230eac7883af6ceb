"""SQLite writers of several processes, with and without the writer queue (a lock file).

    uv run python scripts/sqlite_writers.py [PROCESSES ...]

Each process runs 300 transactions: 4 ms "deciding" outside the write transaction (a sleep:
the figure is about hand-offs, not CPU), then ``begin_write``, three 20 KB rows and 2 ms more
inside it, as a worker's group commit does. Printed per run: the wall time of the slowest
process, and the wait for the write lock (p50, p99, max) over every process's transactions.
Without the queue the waiting process sleeps in SQLite's busy handler (1, 2, 5, 10 ... 100 ms);
with it, it tries again every 0.1-1 ms. See docs/benchmarks.md, "Ninth round".
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from borderline.store import make_engine

_WORKER = r"""
import sys, time
from sqlalchemy import text
from borderline.store import begin_write, make_engine, session_factory, transaction
from borderline.store import writers
db, use_lock, n = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3])
engine = make_engine(f"sqlite:///{db}")
if not use_lock:
    writers.uninstall(engine)
sessions = session_factory(engine)
blob = "x" * 20000
t0 = time.perf_counter(); waits = []
for i in range(n):
    time.sleep(0.004)  # deciding, outside the write transaction
    t1 = time.perf_counter()
    with transaction(sessions) as s:
        begin_write(s)
        waits.append(time.perf_counter() - t1)
        for k in range(3):
            s.execute(text("INSERT INTO t VALUES (:w, :b)"), {"w": i, "b": blob})
        time.sleep(0.002)  # the rest of the group's statements
waits.sort()
print(time.perf_counter() - t0, *waits)
"""


def run(use_lock: bool, procs: int, n: int = 300) -> str:
    db = Path(tempfile.mkdtemp()) / "w.db"
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE ledger_checkpoints (size INTEGER)"))
        conn.execute(text("CREATE TABLE t (w INTEGER, b TEXT)"))
    engine.dispose()
    args = [str(db), "1" if use_lock else "0", str(n)]
    ps = [
        subprocess.Popen([sys.executable, "-c", _WORKER, *args], stdout=subprocess.PIPE, text=True)
        for _ in range(procs)
    ]
    outs = [list(map(float, p.communicate()[0].split())) for p in ps]
    slowest = max(o[0] for o in outs)
    waits = sorted(w for o in outs for w in o[1:])
    p50, p99 = waits[len(waits) // 2] * 1000, waits[int(len(waits) * 0.99)] * 1000
    label = "writer queue" if use_lock else "SQLite only "
    return (
        f"{procs} processes, {label}: {slowest:.2f} s; lock wait p50 {p50:.2f} ms, "
        f"p99 {p99:.2f} ms, max {waits[-1] * 1000:.1f} ms"
    )


def main() -> None:
    for procs in [int(a) for a in sys.argv[1:]] or [2, 3]:
        for _ in range(3):
            for use_lock in (False, True):
                print(run(use_lock, procs), flush=True)
                time.sleep(0.5)


if __name__ == "__main__":
    main()
