"""Helpers the ``borderline risk`` register, KRI and maturity commands share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import typer
import yaml
from pydantic import ValidationError

from borderline.assessment import (
    Rating,
    RegisterService,
)
from borderline.cli._common import echo_json, read_text
from borderline.errors import InvalidInput, from_validation


def _register() -> tuple[Any, RegisterService]:
    from borderline.cli._services import open_services

    services = open_services()
    return services, services.register()


def _rating(text: str | None, where: str) -> Rating | None:
    if text is None:
        return None
    parts = text.replace("x", ",").split(",")
    try:
        lik, imp = (int(p) for p in parts)
    except ValueError:
        raise InvalidInput(f"{text!r}: give likelihood,impact such as 3,4", where=where) from None
    return cast(Rating, _validated(Rating, {"likelihood": lik, "impact": imp}, where))


def _validated(model: Any, data: Any, where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc, where, default_where=where) from None


def _load_doc(path: str) -> Any:
    text = read_text(path)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"invalid YAML/JSON: {exc}", where=path) from None


def _out(obj: Any, as_json: bool, text: str | None = None) -> None:
    if as_json or text is None:
        echo_json(obj)
    else:
        typer.echo(text)


def _risk_line(r: Mapping[str, Any]) -> str:
    res = r["residual"] or r["suggested_residual"]
    return (
        f"{r['id']:>5}  {r['key']:<10} {r['title'][:40]:<40} {r['category']:<16} "
        f"inherent {r['inherent']['level']:<8} residual {res['level']:<8} {r['status']}"
    )
