"""Readiness: ``/ready`` says ok only once the lists, the active policy and every assessor's
models and indexes are loaded, so a load balancer sends no traffic to a cold process.

``/health`` answers whether the process and database are up; ``/ready`` whether the first
assessment will be as fast as the next. The warm-up runs once per process in a background
thread started with the app (its lifespan), or on the first ``/ready`` if nothing started it.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from typing import Any

from borderline.service import Services, parse_order

log = logging.getLogger(__name__)

WARM_UP_ORDERS = 40


class Readiness:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.state = "cold"  # cold -> warming -> ready | failed
        self.error: str | None = None
        self.seconds: float | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self.state != "cold":
                return
            self.state = "warming"
        threading.Thread(target=self._warm, name="borderline-warm-up", daemon=True).start()

    def _warm(self) -> None:
        t0 = time.perf_counter()
        try:
            from borderline.samples import generate_orders

            self.services.lists.refresh()
            with self.services.sessions() as s:
                engine = self.services.engine_for(s)
            # Assessments that store nothing: assessors load their models, indexes and
            # reference files on first use (a tariff for landed cost, the dangerous-goods
            # table…), which is what made the first real orders take seconds. Orders of many
            # corridors and goods reach every such path, not only the first order's.
            for payload in generate_orders(WARM_UP_ORDERS, seed=1):
                engine.assess(parse_order(payload))
            # What start-up loaded (models, indexes, reference tables) lives as long as the
            # process: moved out of the collector's reach, full collections during requests
            # no longer walk it (they were tens of milliseconds of tail latency each).
            gc.collect()
            gc.freeze()
        except Exception as exc:  # reported by /ready; the process still serves /health
            log.exception("warm-up failed")
            self.error = f"{type(exc).__name__}: {exc}"
            self.state = "failed"
        else:
            self.state = "ready"
        self.seconds = round(time.perf_counter() - t0, 3)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.state, "warm_up_seconds": self.seconds, "error": self.error}
