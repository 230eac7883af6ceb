"""Docs cannot drift: every privacy/transfer command, API route, recognizer country and rule
regime must be named in docs/privacy.md."""

from __future__ import annotations

from pathlib import Path

import typer

from borderline.api.routes.privacy import router
from borderline.cli.cmd_privacy import privacy_app
from borderline.cli.cmd_transfer import transfer_app
from borderline.privacy.recognizers import builtin_recognizers
from borderline.privacy.transfer.engine import load_regimes

DOC = (Path(__file__).parents[2] / "docs" / "privacy.md").read_text(encoding="utf-8")


def _commands(app: typer.Typer, prefix: str) -> list[str]:
    out = [f"{prefix} {c.name}" for c in app.registered_commands]
    for group in app.registered_groups:
        out += _commands(group.typer_instance, f"{prefix} {group.name}")
    return out


def test_every_command_is_documented():
    cmds = _commands(privacy_app, "borderline privacy") + _commands(
        transfer_app, "borderline transfer"
    )
    assert len(cmds) >= 9
    missing = [c for c in cmds if c not in DOC]
    assert not missing, missing


def test_every_route_is_documented():
    paths = {r.path for r in router.routes}
    missing = [p for p in paths if p.replace("{transfer_id}", "{id}") not in DOC]
    assert not missing, missing


def test_every_regime_and_identifier_country_is_documented():
    names = {
        "eu_gdpr": "EU/EEA GDPR",
        "uk_gdpr": "UK GDPR",
        "ch_fadp": "Switzerland FADP",
        "cn_pipl": "China PIPL",
        "us_doj": "US DOJ 28 CFR 202",
        "ru_152fz": "Russia 152-FZ",
        "in_dpdp": "India DPDP",
        "kr_pipa": "Korea PIPA",
        "jp_appi": "Japan APPI",
        "br_lgpd": "Brazil LGPD",
        "sg_pdpa": "Singapore PDPA",
        "vn_pdpl": "Vietnam PDPL",
        "id_pdp": "Indonesia PDP",
        "sa_pdpl": "Saudi PDPL",
        "tr_kvkk": "Turkey KVKK",
    }
    assert {r.id for r in load_regimes()} == set(names)
    assert all(n in DOC for n in names.values())
    countries = {r.country for r in builtin_recognizers() if r.type in ("NATIONAL_ID", "TAX_ID")}
    assert f"{len(countries)} countries" in DOC
