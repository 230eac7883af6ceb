"""Helpers shared by CLI commands: JSON output, reading files or stdin, opening services."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from typing import Any

import typer

from borderline.errors import InvalidInput
from borderline.files import existing_file


def echo_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, default=str))


def note(message: str) -> None:
    """A progress or side note, on standard error (standard output stays machine-readable)."""
    typer.echo(message, err=True)


def read_text(path: str) -> str:
    """Read a file, or stdin when ``path`` is ``-``."""
    if path == "-":
        return sys.stdin.read()
    p = existing_file(path)
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not UTF-8 text (byte {exc.start})", where=path) from None


def iter_jsonl(path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) from a JSON-lines file or stdin; blank lines are skipped."""
    fh = sys.stdin if path == "-" else open(existing_file(path), encoding="utf-8")  # noqa: SIM115
    try:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"invalid JSON: {exc.msg}", where=f"{path}:{lineno}") from None
            if not isinstance(obj, dict):
                raise InvalidInput("each line must be a JSON object", where=f"{path}:{lineno}")
            yield lineno, obj
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not UTF-8 text (byte {exc.start})", where=path) from None
    finally:
        if fh is not sys.stdin:
            fh.close()


def current_user() -> str:
    """Who runs the command, for ledger records and authorship (the login name, else "cli")."""
    return os.environ.get("USER") or os.environ.get("USERNAME") or "cli"
