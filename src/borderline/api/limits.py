"""Request limits checked before any route runs: bad input is a 422, overload a 503.

``guard_params`` (an app-wide dependency, so it runs before the key check and the route) and
``InputGuard`` (ASGI, before routing) look at every request once:

- path and query values: no control characters, at most ``MAX_PARAM_CHARS`` characters;
  a parameter the route declares as an integer must fit a 64-bit column; one declared as a
  date or time must fall within 1900..2100 (``?as_of=0006-10-06`` is a 422, not an overflow);
- JSON bodies: parsed once with the limits of ``borderline.model.limits`` (no NaN/Infinity,
  no NUL, no integer a double cannot hold, at most 32 levels deep) — the same limits on SQLite
  and PostgreSQL, which otherwise fail differently (or not at all) on each.

``Overload`` answers 503 with ``Retry-After`` once ``max_inflight`` requests are in progress,
rather than queueing them until the database pool times out.

Both are plain ASGI (no ``BaseHTTPMiddleware`` task per request) and answer in the API's
error shape: ``{"error", "message", "where"}``.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from types import UnionType
from typing import Any, Union, get_args, get_origin

from fastapi import Request
from fastapi.routing import APIRoute

from borderline.errors import InvalidInput
from borderline.model.limits import InputLimit, check_date, check_json, check_time

MAX_PARAM_CHARS = 2000
INT64 = (-(2**63), 2**63 - 1)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_INT = re.compile(r"^[+-]?\d+$")
_JSON_TYPES = (b"application/json", b"application/merge-patch+json")
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


async def reply(send: Any, status: int, body: dict[str, Any], headers: Any = ()) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _invalid(message: str, where: str) -> dict[str, Any]:
    return {
        "error": "invalid_input",
        "message": message,
        "where": where,
        "details": {"errors": [{"where": where, "message": message}]},
    }


def _kinds(annotation: Any) -> set[type]:
    """The plain types an annotation admits: ``int | None`` -> {int, NoneType}."""
    origin = get_origin(annotation)
    if origin is Union or isinstance(annotation, UnionType):
        out: set[type] = set()
        for arg in get_args(annotation):
            out |= _kinds(arg)
        return out
    if origin is not None:  # Annotated[...] and the like
        args = get_args(annotation)
        return _kinds(args[0]) if args else set()
    return {annotation} if isinstance(annotation, type) else set()


def _typed_params(route: APIRoute) -> dict[str, set[type]]:
    """Every path and query parameter a route (and its dependencies) declares, with types."""
    out: dict[str, set[type]] = {}
    stack = [route.dependant]
    while stack:
        dep = stack.pop()
        for f in (*dep.path_params, *dep.query_params):
            out[f.alias or f.name] = _kinds(f.field_info.annotation)
        stack.extend(dep.dependencies)
    return out


def check_param(name: str, value: str, kinds: set[type]) -> None:
    where = name
    if len(value) > MAX_PARAM_CHARS:
        raise InputLimit(f"longer than {MAX_PARAM_CHARS} characters", where)
    if _CONTROL.search(value):
        raise InputLimit("control characters (such as NUL) are not allowed", where)
    if int in kinds and _INT.match(value.strip()):
        n = int(value)
        if not INT64[0] <= n <= INT64[1]:
            raise InputLimit("integer out of range (at most 9223372036854775807)", where)
    if datetime in kinds:
        try:
            check_time(datetime.fromisoformat(value.replace("Z", "+00:00")), where)
        except ValueError as exc:
            if isinstance(exc, InputLimit):
                raise
            # not an ISO time at all: the route's own validation says so
    elif date in kinds:
        try:
            check_date(date.fromisoformat(value), where)
        except ValueError as exc:
            if isinstance(exc, InputLimit):
                raise


def check_body(body: bytes) -> None:
    def no_constant(name: str) -> Any:
        raise InputLimit(f"{name} is not a JSON number", "body")

    try:
        doc = json.loads(body, parse_constant=no_constant)
    except InputLimit:
        raise
    except RecursionError:
        raise InputLimit("nested too deeply", "body") from None
    except ValueError:
        return  # malformed JSON: FastAPI reports where it broke
    check_json(doc)


_ROUTE_TYPES: dict[int, dict[str, set[type]]] = {}


async def guard_params(request: Request) -> None:
    """App-wide dependency: runs after routing, before the route's own dependencies (the key
    check included) and its body: path and query values within the limits their declared
    types allow. Raises ``InvalidInput`` (422) naming the parameter.

    ``async`` though it awaits nothing: FastAPI runs a plain ``def`` dependency in its thread
    pool, and that hop cost every request more than the check."""
    route = request.scope.get("route")
    types: dict[str, set[type]] = {}
    if isinstance(route, APIRoute):
        types = _ROUTE_TYPES.get(id(route)) or _ROUTE_TYPES.setdefault(
            id(route), _typed_params(route)
        )
    try:
        for name, value in request.path_params.items():
            check_param(name, str(value), types.get(name, set()))
        for name, value in request.query_params.multi_items():
            check_param(name, value, types.get(name, set()))
    except InputLimit as exc:
        raise InvalidInput(exc.message, where=exc.where) from None


class InputGuard:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if len(path) > MAX_PARAM_CHARS or _CONTROL.search(path):
            message = "path has control characters or is too long"
            await reply(send, 422, _invalid(message, "path"))
            return
        ctype = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
        if scope["method"] not in _BODY_METHODS or ctype not in _JSON_TYPES:
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        try:
            check_body(body)
        except InputLimit as exc:
            await reply(send, 422, _invalid(exc.message, exc.where))
            return
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class InFlight:
    """How many requests are in progress in this process (kept by :class:`Overload`)."""

    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0


class Overload:
    """At most ``max_inflight`` requests in progress; the next one gets 503 + Retry-After."""

    # Probes must answer even when the API is saturated: that is when they matter most.
    exempt = ("/health", "/ready")

    def __init__(
        self, app: Any, max_inflight: int, retry_after: int = 1, counter: InFlight | None = None
    ) -> None:
        self.app = app
        self.max_inflight = max(1, max_inflight)
        self.retry_after = retry_after
        # Shared with the decision batcher, which waits for requests still on their way.
        self.counter = counter or InFlight()

    @property
    def inflight(self) -> int:
        return self.counter.n

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") in self.exempt:
            await self.app(scope, receive, send)
            return
        if self.inflight >= self.max_inflight:
            await reply(
                send,
                503,
                {
                    "error": "unavailable",
                    "message": f"{self.inflight} requests in progress; retry shortly",
                },
                [(b"retry-after", str(self.retry_after).encode())],
            )
            return
        self.counter.n += 1  # one event loop: no lock needed between the check and the add
        try:
            await self.app(scope, receive, send)
        finally:
            self.counter.n -= 1
