"""``borderline webhooks …`` (outbound events) and ``borderline intake …`` (write-back)."""

from __future__ import annotations

import typer

from borderline.cli._common import echo_json
from borderline.cli._services import open_services

webhooks_app = typer.Typer(
    help="Outbound webhooks: endpoints, the delivery log, re-sends, one-shot delivery.",
    no_args_is_help=True,
)
intake_app = typer.Typer(
    help="Storefront intake: send queued Shopify risk write-backs.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(webhooks_app, name="webhooks")
    app.add_typer(intake_app, name="intake")


@webhooks_app.command("add")
def add(
    url: str,
    events: list[str] = typer.Option(
        ..., "--event", "-e", help="Event type to send (repeat): decision.created, …"
    ),
    description: str = typer.Option(None, help="What the endpoint is for."),
    actor: str = typer.Option("cli", help="Who registers it (for the audit ledger)."),
) -> None:
    """Register an endpoint; prints its id and signing secret (shown once)."""
    from borderline import webhooks

    services = open_services()
    echo_json(
        webhooks.create_endpoint(
            services.sessions,
            services.ledger,
            url=url,
            events=events,
            actor=actor,
            description=description,
        )
    )


@webhooks_app.command("list")
def list_cmd() -> None:
    """Endpoints with their delivery counts by status."""
    from borderline import webhooks

    for ep in webhooks.list_endpoints(open_services().sessions):
        echo_json(ep)


@webhooks_app.command("disable")
def disable(endpoint_id: str, actor: str = typer.Option("cli")) -> None:
    """Stop sending to an endpoint (its log is kept)."""
    from borderline import webhooks

    services = open_services()
    webhooks.disable_endpoint(services.sessions, services.ledger, endpoint_id, actor)
    typer.echo(f"disabled {endpoint_id}")


@webhooks_app.command("test")
def test_cmd(endpoint_id: str) -> None:
    """Queue a signed ping event to an endpoint."""
    from borderline import webhooks

    echo_json({"event_id": webhooks.send_test(open_services().sessions, endpoint_id)})


@webhooks_app.command("deliveries")
def deliveries(
    endpoint: str = typer.Option(None, help="Only this endpoint id."),
    status: str = typer.Option(None, help="pending, delivered or failed."),
    limit: int = typer.Option(50),
) -> None:
    """The delivery log, newest first (one JSON object a line)."""
    from borderline import webhooks

    for d in webhooks.list_deliveries(
        open_services().sessions, endpoint_id=endpoint, status=status, limit=limit
    ):
        echo_json(d)


@webhooks_app.command("show")
def show(delivery_id: int) -> None:
    """One delivery with its event body and every attempt."""
    from borderline import webhooks

    echo_json(webhooks.get_delivery(open_services().sessions, delivery_id))


@webhooks_app.command("resend")
def resend(delivery_id: int, actor: str = typer.Option("cli")) -> None:
    """Queue a delivery again now (a fresh round of attempts)."""
    from borderline import webhooks

    echo_json(webhooks.resend(open_services().sessions, delivery_id, actor))


@webhooks_app.command("deliver")
def deliver(
    rounds: int = typer.Option(1, help="Rounds of up to 50 due deliveries each."),
) -> None:
    """Send what is due now, once (for cron or when the server runs with dispatch off)."""
    from borderline import webhooks

    services = open_services()
    total = webhooks.DeliverReport()
    for _ in range(max(1, rounds)):
        r = webhooks.deliver_due(services.sessions)
        total.claimed += r.claimed
        total.delivered += r.delivered
        total.retrying += r.retrying
        total.failed += r.failed
        if r.claimed == 0:
            break
    echo_json(total.to_dict())


@webhooks_app.command("prune")
def prune(
    older_than_days: int = typer.Option(30, help="Delete finished events older than this."),
) -> None:
    """Delete old events whose deliveries are all finished, with their log."""
    from borderline import webhooks

    echo_json(webhooks.prune(open_services().sessions, older_than_days))


@intake_app.command("writeback")
def writeback() -> None:
    """Send the due Shopify risk-assessment write-backs once."""
    from borderline import intake

    echo_json(intake.deliver_writebacks(open_services().sessions))


def _register_bench() -> None:
    from borderline.cli._groups import bench_app

    @bench_app.command("webhooks")
    def bench_webhooks(
        orders: int = typer.Option(2000, help="Orders assessed per run."),
        assessors: str = typer.Option("consistency,lists", help="Assessors to run."),
    ) -> None:
        """The outbox's cost on the decision path and the dispatcher's delivery rate."""
        from borderline.bench.webhooks import run

        r = run(orders, assessors, progress=lambda m: typer.echo(f"... {m}", err=True))
        m = r["machine"]
        typer.echo(f"machine: {m['cpus']} CPUs ({m['cpu']}), Python {m['python']}, SQLite")
        typer.echo(f"{r['orders']} orders, assessors {r['assessors']}")
        typer.echo(f"{'run':<30}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'deliv/s':>9}")
        for case in ("no endpoint", "endpoint, other events", "endpoint, decision.created"):
            row = r[case]
            typer.echo(
                f"{case:<30}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['mean_ms']:>9}"
                f"{row.get('deliveries_per_s', ''):>9}"
            )


_register_bench()
