"""Open the embedded services for a CLI command (database from the environment or --data-dir).

The application (and through it every domain) is imported when a command opens it, not when
the CLI starts: ``borderline --help`` and commands that need no database stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from borderline.service import Services


def open_services() -> Services:
    from borderline.service import Services
    from borderline.settings import Settings

    return Services.open(Settings())
