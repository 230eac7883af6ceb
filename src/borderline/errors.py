"""One small error hierarchy, mapped to HTTP and CLI exit codes in exactly one place each.

Domain code raises these and never imports a web framework; the API's exception handler turns
``status`` into the response code and the CLI turns the message into ``error: ...`` with exit 2.
"""

from __future__ import annotations

from typing import Any


class BorderlineError(Exception):
    """Base class. ``status`` is the HTTP status an adapter should answer with."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, where: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.where is not None:
            body["where"] = self.where
        if self.details:
            body["details"] = self.details
        return body

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class InvalidInput(BorderlineError):
    """The caller sent something malformed; ``where`` names the field path, file or line."""

    status = 422
    code = "invalid_input"


class DataFileError(InvalidInput):
    """A reference or input file could not be read; ``where`` is ``path:line``."""

    code = "invalid_file"


class PolicySyntaxError(InvalidInput):
    """A policy failed to parse or compile; ``where`` is ``line:column``."""

    code = "policy_error"


class Unauthorized(BorderlineError):
    status = 401
    code = "unauthorized"


class Forbidden(BorderlineError):
    status = 403
    code = "forbidden"


class NotFound(BorderlineError):
    status = 404
    code = "not_found"


class Conflict(BorderlineError):
    status = 409
    code = "conflict"


class PayloadTooLarge(BorderlineError):
    status = 413
    code = "payload_too_large"


class Unavailable(BorderlineError):
    """A capability needs something this machine lacks (network, a file, a model)."""

    status = 503
    code = "unavailable"


def error_from_dict(body: dict[str, Any]) -> BorderlineError:
    """The error ``to_dict`` described, rebuilt (for reporting one item of a batch as a whole)."""

    def subclasses(cls: type[BorderlineError]) -> list[type[BorderlineError]]:
        return [cls, *(s for c in cls.__subclasses__() for s in subclasses(c))]

    by_code = {c.code: c for c in subclasses(BorderlineError)}
    cls = by_code.get(str(body.get("error")), BorderlineError)
    return cls(str(body.get("message", "")), where=body.get("where"), **body.get("details", {}))


def field_path(loc: Any, prefix: str = "") -> str:
    """A pydantic error location as Borderline writes field paths: ``items[0].quantity``,
    after ``prefix`` (``orders[3]``, or ``file.yaml: `` for a file)."""
    where = prefix
    for part in loc:
        if isinstance(part, int):
            where += f"[{part}]"
        else:
            where += ("." if where and not where.endswith(" ") else "") + str(part)
    return where


def from_validation(
    exc: Any,
    prefix: str = "",
    default_where: str = "order",
    error: type[InvalidInput] | None = None,
) -> InvalidInput:
    """A pydantic ``ValidationError`` as an input error (``error``, default ``InvalidInput``)
    naming every failing field with :func:`field_path`; the first is the error's ``where``."""
    errors = [
        {
            "where": field_path(e["loc"], prefix) or default_where,
            "message": str(e["msg"]).removeprefix("Value error, "),
        }
        for e in exc.errors()
    ]
    first = errors[0]
    return (error or InvalidInput)(first["message"], where=first["where"], errors=errors)
