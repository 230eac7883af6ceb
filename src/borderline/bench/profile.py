"""Where the server's time goes under load: py-spy's folded stacks, summarised.

``borderline bench --profile DIR`` attaches ``py-spy record`` (the ``bench`` dependency group
installs it) to the HTTP server after its warm-up request, for the timed load only, and writes
the folded stacks to ``DIR/http.folded``; this module
turns them into the table ``docs/benchmarks.md`` shows: each function's share of the samples
in which it was on the stack (inclusive) and at the top of it (self).
"""

from __future__ import annotations

import re
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

# "function (path/to/module.py:123)" as py-spy writes each frame.
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?):\d+\)$")


# Leaf frames of a thread that waits (for a lock, a queue, a socket): not work, left out so the
# shares are of the time the process spent computing.
WAITING = frozenset(
    {"Condition.wait", "Event.wait", "Queue.get", "EpollSelector.select", "select", "sleep"}
)


def py_spy() -> str | None:
    """py-spy from this environment's scripts folder (a venv not on PATH), else from PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.is_file() else shutil.which("py-spy")


def command(out: Path, pid: int, rate: int = 100) -> list[str]:
    """py-spy attached to ``pid`` and its worker processes, writing folded stacks to ``out``.

    Only the thread holding the interpreter lock is sampled (``--gil``): a worker is bound by
    that lock, and without it a thread waiting to take the lock back after a system call (a
    SQLite statement, ``os.urandom``) is counted as working in that call."""
    exe = py_spy()
    if exe is None:
        raise RuntimeError("py-spy is not installed (it comes with the `bench` dependency group)")
    return [
        exe, "record", "--pid", str(pid), "--subprocesses", "--format", "raw",
        "--rate", str(rate), "--gil", "-o", str(out),
    ]  # fmt: skip


def _frame(raw: str) -> str:
    m = _FRAME.match(raw.strip())
    if m is None:
        return raw.strip()
    path = m["file"]
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{m['func']} ({path})"


def summarise(folded: Path, top: int = 15) -> dict[str, Any]:
    """Top functions by inclusive and by self share of the busy samples (waits left out)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in folded.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_frame(f) for f in stack.split(";")]
        if frames and frames[0].startswith(("process ", "thread ")):
            frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames or frames[-1].split(" (", 1)[0] in WAITING:
            continue
        total += n
        for f in set(frames):
            inclusive[f] += n
        own[frames[-1]] += n

    def table(counter: Counter[str]) -> list[dict[str, Any]]:
        return [
            {"function": f, "share": round(c / total, 3) if total else 0.0}
            for f, c in counter.most_common(top)
        ]

    return {"samples": total, "inclusive": table(inclusive), "self": table(own)}
