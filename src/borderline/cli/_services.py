"""Open the embedded services for a CLI command (database from the environment or --data-dir).

The application (and through it every domain) is imported when a command opens it, not when
the CLI starts: ``borderline --help`` and commands that need no database stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from borderline.engine import Engine
    from borderline.service import Services
    from borderline.settings import Settings


def cli_settings() -> Settings:
    """The settings of this command: the environment, after ``--data-dir``/``--database-url``
    have been put there. Commands hand these (or parts of them) to the domains."""
    from borderline.settings import Settings

    return Settings()


def use_screening_data() -> None:
    """Screening keeps imported lists and its index in this command's data folder (commands
    that screen without opening the services; ``open_services`` hands it in too)."""
    from borderline.screening import use_data_dir

    use_data_dir(cli_settings().data_dir)


def open_services() -> Services:
    from borderline.service import Services

    return Services.open(cli_settings())


def standalone_engine(policy: str | None = None, policy_version: str = "builtin") -> Engine:
    """An engine without the database (dry runs, policy tests): every installed assessor,
    given this command's data folder (where the fraud model registry is)."""
    from borderline.engine import Engine, discover_assessors

    assessors = discover_assessors(data_dir=cli_settings().data_dir)
    return Engine(assessors, policy=policy, policy_version=policy_version)
