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
        "",
        help="Assessors to run, comma-separated; '' (the default, what `serve` runs) "
        "means every installed one.",
    ),
    ceiling: bool = typer.Option(
        True, help="Also time a bare FastAPI app answering the same request (the ceiling)."
    ),
    profile: Path = typer.Option(
        None,
        help="Run the HTTP server under py-spy (bench group) and write its folded stacks "
        "to this folder; the top entries are printed.",
    ),
    ingest_workers: int = typer.Option(
        2,
        help="Also time `borderline assess FILE` on new orders (as many as --history, at most "
        "10,000) with one process and with this many (0: skip).",
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
        ceiling=ceiling,
        progress=lambda m: typer.echo(f"... {m}", err=True),
        profile_dir=profile,
        ingest_workers=ingest_workers,
    )
    if as_json:
        echo_json(r)
        return
    m = r["machine"]
    typer.echo(f"machine: {m['cpus']} CPUs ({m['cpu']}), Python {m['python']}, {r['database']}")
    typer.echo(
        f"load average (1/5/15 min): {_load(m['load_average'])} before, "
        f"{_load(r['load_average_after'])} after"
    )
    typer.echo(f"assessors: {', '.join(r['assessors'])}")
    typer.echo(
        f"history: {r['history_orders']} stored orders; policy: {r['policy_rules']} "
        f"rules; ingest (batch): {r['ingest_batch_orders_per_s']} orders/s"
    )
    if r.get("ingest_batch_steady"):
        st = r["ingest_batch_steady"]
        typer.echo(
            f"ingest (batch) after the first 1,000: {st['orders_per_s']} orders/s, "
            f"{st['cpu_ms_per_order']} ms of CPU per order"
        )
    for cli_run in r.get("ingest_cli", []):
        typer.echo(
            f"`assess FILE --workers {cli_run['workers']}` on {cli_run['orders']} new orders: "
            f"{cli_run['orders_per_s']} orders/s (first decision after "
            f"{cli_run['first_decision_s']} s), second half {cli_run['steady_orders_per_s']} "
            f"orders/s, {cli_run['cpu_ms_per_order']} ms of CPU per order"
        )
    typer.echo(f"backtest of {r['backtest_orders']} orders: {r['backtest_seconds']} s")
    typer.echo(f"{'measure':<34}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    for label, key in (
        ("in-process engine (ms)", "in_process_engine_ms"),
        ("in-process, stored + ledger (ms)", "in_process_recorded_ms"),
    ):
        p = r[key]
        typer.echo(f"{label:<34}{p['p50']:>9}{p['p95']:>9}{p['p99']:>9}{p['max']:>9}")
    for name, p in r["per_assessor_ms"].items():
        typer.echo(f"{'  assessor ' + name + ' (ms)':<34}{p['p50']:>9}{'':>9}{p['p99']:>9}")
    if "http" in r:
        h = r["http"]
        p = h["latency_ms"]
        typer.echo(f"{'HTTP latency (ms)':<34}{p['p50']:>9}{p['p95']:>9}{p['p99']:>9}{p['max']:>9}")
        typer.echo(
            f"HTTP: {h['decisions_per_s']} decisions/s ({h['requests']} requests, "
            f"concurrency {h['concurrency']}, {h['workers']} worker(s), "
            f"{h['errors']} errors); first request (untimed warm-up) "
            f"{h['first_request_ms']} ms"
        )
        if h.get("server_cpu_ms_per_decision") is not None:
            typer.echo(
                f"server CPU per decision: {h['server_cpu_ms_per_decision']} ms "
                f"(user + system, every worker; the bare app: "
                f"{h.get('ceiling_server_cpu_ms_per_request', 'n/a')} ms per request); "
                f"the load generator's: {h.get('client_cpu_ms_per_request', 'n/a')} ms"
            )
        if h.get("ratio_to_ceiling") is not None:
            typer.echo(
                f"ceiling (bare FastAPI, same request, server and client): "
                f"{h['ceiling_requests_per_s']} requests/s; Borderline reaches "
                f"{h['ratio_to_ceiling']:.1%} of it"
            )
        if h.get("profile"):
            prof = h["profile"]
            typer.echo(f"profile of the HTTP server ({prof['samples']} samples), top inclusive:")
            for row in prof["inclusive"]:
                typer.echo(f"  {row['share']:>6.1%}  {row['function']}")
            typer.echo("top self:")
            for row in prof["self"]:
                typer.echo(f"  {row['share']:>6.1%}  {row['function']}")


def _load(values: list[float] | None) -> str:
    return " ".join(f"{v:.2f}" for v in values) if values else "n/a"


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
