"""Command groups that several domains add to (``borderline lists …``, ``borderline bench …``).

A domain module imports the group and decorates its commands onto it, e.g.::

    from borderline.cli._groups import bench_app

    @bench_app.command("screening")
    def bench_screening(...): ...
"""

from __future__ import annotations

import typer

lists_app = typer.Typer(help="Block/allow lists and sanctions list files.", no_args_is_help=True)
bench_app = typer.Typer(
    help="Benchmarks: `borderline bench` alone measures the core engine; subcommands measure "
    "each domain. Results are printed as a table with the machine stated.",
    invoke_without_command=True,
)
