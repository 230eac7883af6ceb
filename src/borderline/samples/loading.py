"""Loading the demo's sample orders in the background of a first ``serve``.

Assessing 500 orders through every assessor takes tens of seconds on a small machine; a first
start that waited for it before listening looked hung. ``serve`` now listens at once and loads
them on a thread. A marker file in the data folder says "still loading" to every process that
reads the same folder (the API's ``/health`` and the dashboard, in any worker), and is removed
when the load ends, whether it succeeded or not.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

MARKER = "samples-loading"
log = logging.getLogger("borderline.samples")


def marker_path(data_dir: Path) -> Path:
    return data_dir / MARKER


def samples_loading(data_dir: Path) -> bool:
    """True while a ``serve`` process is still loading the sample orders."""
    return marker_path(data_dir).exists()


def start_background_load(
    services: Any, data_dir: Path, load: Any, n: int
) -> threading.Thread | None:
    """Run ``load(services, n)`` on a daemon thread, with the marker file present meanwhile.

    Returns None (and starts nothing) when the database already holds decisions."""
    if n <= 0 or services.list_decisions(limit=1):
        return None
    marker = marker_path(data_dir)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"loading {n} sample orders\n", encoding="utf-8")

    def run() -> None:
        try:
            loaded = load(services, n)
            log.warning("loaded %d sample orders", loaded)
        except Exception:
            log.exception("loading the sample orders failed")
        finally:
            marker.unlink(missing_ok=True)

    thread = threading.Thread(target=run, name="borderline-samples", daemon=True)
    thread.start()
    return thread
