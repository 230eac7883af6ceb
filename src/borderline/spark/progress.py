"""Report Spark stages as they complete, from the driver's status tracker (no listener JAR)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any


class StageProgress:
    """While active, calls ``report`` once per completed stage: id, tasks and its name.

    Polls ``SparkContext.statusTracker()`` every ``interval`` seconds in a daemon thread; a
    stage counts as complete when it leaves the active set with all its tasks done.
    """

    def __init__(self, sc: Any, report: Callable[[str], None], *, interval: float = 0.5) -> None:
        self.sc, self.report, self.interval = sc, report, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stage-progress", daemon=True)
        self._active: dict[int, Any] = {}
        self.completed = 0
        self._t0 = time.monotonic()

    def __enter__(self) -> StageProgress:
        self._t0 = time.monotonic()
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._poll()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._poll()

    def _poll(self) -> None:
        tracker = self.sc.statusTracker()
        try:
            active = set(tracker.getActiveStageIds())
        except Exception:  # the context is stopping: nothing more to report
            return
        for sid in active - set(self._active):
            self._active[sid] = tracker.getStageInfo(sid)
        for sid in set(self._active) - active:
            info = tracker.getStageInfo(sid) or self._active[sid]
            del self._active[sid]
            if info is None:
                continue
            self.completed += 1
            name = str(info.name).split(" at ")[0]
            self.report(
                f"stage {sid} done: {info.numCompletedTasks}/{info.numTasks} tasks "
                f"({name}; {time.monotonic() - self._t0:.1f} s)"
            )
