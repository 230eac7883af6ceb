"""``borderline bench``: the core engine's latency and throughput (domains add subcommands)."""

from __future__ import annotations

from pathlib import Path

import typer

from borderline.cli._common import echo_json
from borderline.cli._groups import bench_app


@bench_app.callback()
def bench_core(
    ctx: typer.Context,
    history: int = typer.Option(100_000, help="Orders stored before measuring."),
    measure: int = typer.Option(2_000, help="Orders timed in-process."),
    rules: int = typer.Option(50, help="Rules and gates in the active policy."),
    http_requests: int = typer.Option(3_000, help="Orders sent over HTTP (0: skip)."),
    concurrency: int = typer.Option(16, help="Concurrent HTTP clients."),
    workers: int = typer.Option(1, help="Server worker processes."),
    data_dir: Path = typer.Option(None, help="Where to build the bench world (default: temp)."),
    database_url: str = typer.Option("", help="Database (default: SQLite in the data dir)."),
    assessors: str = typer.Option(
        "consistency,lists",
        help="Assessors to run, comma-separated "
        "('' for every installed one). The issue's target is for the "
        "two built-ins.",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Measure the core engine (runs when no domain subcommand is given)."""
    if ctx.invoked_subcommand is not None:
        return
    from borderline.bench.core import run

    r = run(
        history=history,
        measure=measure,
        rules=rules,
        http_requests=http_requests,
        concurrency=concurrency,
        http_workers=workers,
        data_dir=data_dir,
        database_url=database_url,
        assessors=assessors,
        progress=lambda m: typer.echo(f"... {m}", err=True),
    )
    if as_json:
        echo_json(r)
        return
    m = r["machine"]
    typer.echo(f"machine: {m['cpus']} CPUs ({m['cpu']}), Python {m['python']}, {r['database']}")
    typer.echo(f"assessors: {', '.join(r['assessors'])}")
    typer.echo(
        f"history: {r['history_orders']} stored orders; policy: {r['policy_rules']} "
        f"rules; ingest (batch): {r['ingest_batch_orders_per_s']} orders/s"
    )
    typer.echo(f"backtest of {r['backtest_orders']} orders: {r['backtest_seconds']} s")
    typer.echo(f"{'measure':<34}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    for label, key in (
        ("in-process engine (ms)", "in_process_engine_ms"),
        ("in-process, stored + ledger (ms)", "in_process_recorded_ms"),
    ):
        p = r[key]
        typer.echo(f"{label:<34}{p['p50']:>9}{p['p95']:>9}{p['p99']:>9}{p['max']:>9}")
    if "http" in r:
        h = r["http"]
        p = h["latency_ms"]
        typer.echo(f"{'HTTP latency (ms)':<34}{p['p50']:>9}{p['p95']:>9}{p['p99']:>9}{p['max']:>9}")
        typer.echo(
            f"HTTP: {h['decisions_per_s']} decisions/s ({h['requests']} requests, "
            f"concurrency {h['concurrency']}, {h['workers']} worker(s), "
            f"{h['errors']} errors)"
        )


def register(app: typer.Typer) -> None:
    """The bench group itself is added by the CLI root; this module only adds the callback."""


@bench_app.command("ledger")
def bench_ledger(
    entries: int = typer.Option(1_000_000, help="Ledger entries to append."),
    proofs: int = typer.Option(
        2_000, help="Inclusion proofs to time (and a quarter as many consistency proofs)."
    ),
    verify: bool = typer.Option(False, help="Also time a full verification."),
    data_dir: Path = typer.Option(None, help="Where to build it (default: temp)."),
    database_url: str = typer.Option("", help="Database (default: SQLite in the data dir)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Ledger appends and proof latency at scale (target: proofs < 1 ms at 1M entries)."""
    from borderline.bench.core import run_ledger

    r = run_ledger(
        entries=entries,
        proofs=proofs,
        data_dir=data_dir,
        database_url=database_url,
        verify=verify,
        progress=lambda m: typer.echo(f"... {m}", err=True),
    )
    if as_json:
        echo_json(r)
        return
    m = r["machine"]
    typer.echo(f"machine: {m['cpus']} CPUs ({m['cpu']}), Python {m['python']}, {r['database']}")
    typer.echo(
        f"{r['entries']} entries appended at {r['append_entries_per_s']} entries/s "
        f"(batches of {r['batch']}); checkpoint signed in {r['checkpoint_sign_ms']} ms"
    )
    typer.echo(f"{'proof (ms)':<22}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    for label, key in (
        ("inclusion", "inclusion_proof_ms"),
        ("consistency", "consistency_proof_ms"),
    ):
        p = r[key]
        typer.echo(f"{label:<22}{p['p50']:>9}{p['p95']:>9}{p['p99']:>9}{p['max']:>9}")
    if "verify_seconds" in r:
        typer.echo(f"full verify: {r['verify_seconds']} s (ok: {r['verify_ok']})")
