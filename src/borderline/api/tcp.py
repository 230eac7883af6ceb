"""The HTTP protocol Borderline serves with: uvicorn's httptools protocol with ``TCP_NODELAY`` set.

With ``--workers`` above one, uvicorn binds the listening socket itself as
``socket.socket(AF_INET)``: its protocol number is 0, not ``IPPROTO_TCP``, so asyncio (which
sets ``TCP_NODELAY`` only on sockets that say they are TCP) leaves Nagle's algorithm on for
every accepted connection. A response written in two sends (head, then body) then waits for
the client's delayed acknowledgement, about 40 ms on Linux: measured with `borderline bench
--workers 2`, a bare FastAPI app answered 176 requests/s at a 44 ms median where one worker
answered 730/s at 10 ms. Setting the option on each connection removes the stall whatever
socket uvicorn accepted it on.

``python -m borderline.api.tcp APP --host H --port P --workers N`` runs an ASGI app by import
string with this protocol (what ``borderline bench`` starts its servers with).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


def no_delay(sock: Any) -> None:
    """Turn Nagle's algorithm off on an accepted TCP connection (IPv4 or IPv6)."""
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        # Not a TCP socket after all: nothing to turn off.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        no_delay(transport.get_extra_info("socket"))
        super().connection_made(transport)


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        no_delay(transport.get_extra_info("socket"))
        super().connection_made(transport)


#: Import string uvicorn accepts for ``http=``: workers are spawned processes, so the class
#: travels by name. httptools parses a request in C where h11 does it in Python: 5.44 -> 4.75
#: ms of server CPU per decision, with uvloop as the event loop (uvicorn picks it when it is
#: installed). The h11 class stays for anyone who wants the pure-Python parser.
PROTOCOL = "borderline.api.tcp:NoDelayHttpToolsProtocol"


def run(app: str, host: str, port: int, workers: int, log_level: str = "warning") -> None:
    import uvicorn

    uvicorn.run(app, host=host, port=port, workers=workers, log_level=log_level, http=PROTOCOL)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m borderline.api.tcp")
    parser.add_argument("app", help="ASGI app as module:attribute")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="warning")
    args: Any = parser.parse_args(argv)
    run(args.app, args.host, args.port, args.workers, args.log_level)


if __name__ == "__main__":
    main()
