"""Open the embedded services for a CLI command (database from the environment or --data-dir)."""

from __future__ import annotations

from borderline.service import Services
from borderline.settings import Settings


def open_services() -> Services:
    return Services.open(Settings())
