"""CPU per request or per order, from /proc: the figure that holds on a busy machine."""

from __future__ import annotations

import os
import subprocess
import sys

from borderline.bench.core import process_tree_cpu_s

# A grandchild that burns 0.4 s of CPU, then says so and sleeps: its work must count for the
# process tree it belongs to, as uvicorn's workers and Spark's Python workers do.
_BURN = (
    "import sys, time\n"
    "t = time.process_time()\n"
    "while time.process_time() - t < 0.4: pass\n"
    "print('burnt', flush=True)\n"
    "time.sleep(30)\n"
)
_PARENT = (
    "import subprocess, sys\n"
    f"p = subprocess.Popen([sys.executable, '-c', {_BURN!r}], stdout=sys.stdout)\n"
    "p.wait()\n"
)


def test_the_work_of_grandchildren_counts_for_the_tree() -> None:
    parent = subprocess.Popen([sys.executable, "-c", _PARENT], stdout=subprocess.PIPE, text=True)
    try:
        before = process_tree_cpu_s(parent.pid)
        assert before is not None
        assert parent.stdout is not None and parent.stdout.readline().strip() == "burnt"
        after = process_tree_cpu_s(parent.pid)
        assert after is not None and after - before >= 0.3
        # The current process is not part of its child's tree.
        mine = process_tree_cpu_s(os.getpid())
        assert mine is not None and mine >= after - before
    finally:
        parent.kill()
        parent.wait()


def test_a_process_that_is_gone_has_no_figure() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert process_tree_cpu_s(gone.pid) is None
