"""``borderline risk kri …``: key risk indicators from the engine's decisions."""

from __future__ import annotations

import typer

from borderline.assessment import METRICS, KriIn
from borderline.cli._common import current_user as _user
from borderline.cli._common import echo_json
from borderline.cli._risk_common import (
    _out,
    _register,
    _validated,
)

kri_app = typer.Typer(help="Key risk indicators from the engine's decisions.", no_args_is_help=True)


@kri_app.command("add")
def kri_add_cmd(
    name: str = typer.Option(..., "--name", help="KRI name."),
    metric: str = typer.Option(..., "--metric", help=", ".join(METRICS)),
    amber: float = typer.Option(..., "--amber", help="Amber threshold."),
    red: float = typer.Option(..., "--red", help="Red threshold."),
    direction: str = typer.Option("above", "--direction", help="above or below."),
    window_days: int = typer.Option(30, "--window-days", help="Rolling window."),
    origin: str | None = typer.Option(None, "--origin", help="Corridor origin (ISO)."),
    destination: str | None = typer.Option(None, "--destination", help="Corridor destination."),
    code: str | None = typer.Option(None, "--code", help="Finding code prefix (finding_rate)."),
    risk_key: str | None = typer.Option(None, "--risk", help="Risk key the KRI watches."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Define a KRI on a live engine metric with amber/red thresholds."""
    params = {
        k: v for k, v in (("origin", origin), ("destination", destination), ("code", code)) if v
    }
    spec = _validated(
        KriIn,
        {
            "name": name,
            "metric": metric,
            "amber": amber,
            "red": red,
            "direction": direction,
            "window_days": window_days,
            "params": params,
            "risk_key": risk_key,
        },
        "kri",
    )
    _, reg = _register()
    out = reg.define_kri(spec, _user())
    _out(out, as_json, f"KRI {out['name']} defined")


@kri_app.command("list")
def kri_list_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """KRIs with their last reading."""
    _, reg = _register()
    out = reg.list_kris()
    if as_json:
        echo_json(out)
        return
    for k in out:
        last = k["last"] or {}
        typer.echo(
            f"{k['name']:<24} {k['metric']:<28} {last.get('status', '-'):<8} {last.get('value')}"
        )


@kri_app.command("check")
def kri_check_cmd(
    fail_on_alert: bool = typer.Option(
        False, "--fail-on-alert", help="Exit 1 when any KRI is amber or red."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Compute every KRI now, record the readings and list the alerts."""
    _, reg = _register()
    out = reg.check_kris()
    if as_json:
        echo_json(out)
    else:
        for r in out["readings"]:
            rd = r["reading"]
            value = "-" if rd["value"] is None else f"{rd['value']:.4f}"
            typer.echo(
                f"{r['name']:<24} {rd['status']:<8} {value:>10}  "
                f"({rd['numerator']}/{rd['denominator']})"
            )
    if fail_on_alert and out["alerts"]:
        raise typer.Exit(1)


@kri_app.command("history")
def kri_history_cmd(
    name: str = typer.Argument(..., help="KRI name."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """All recorded readings of a KRI."""
    _, reg = _register()
    out = reg.kri_history(name)
    if as_json:
        echo_json(out)
        return
    for r in out:
        typer.echo(f"{r['computed_at']}  {r['status']:<8} {r['value']}")
