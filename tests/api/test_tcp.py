"""Serving over TCP with several workers: no Nagle stall on the responses."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx

from borderline.api.tcp import no_delay


def test_a_connection_accepted_on_a_socket_bound_as_uvicorn_binds_gets_no_delay() -> None:
    # uvicorn's multi-worker socket: socket.socket(AF_INET), protocol number 0, which asyncio
    # does not recognise as TCP, so it never turns Nagle's algorithm off by itself.
    listener = socket.socket(family=socket.AF_INET)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    try:
        assert accepted.proto == 0
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        no_delay(accepted)
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        for s in (client, accepted, listener):
            s.close()


def test_no_delay_leaves_other_sockets_alone() -> None:
    a, b = socket.socketpair()  # AF_UNIX: no TCP options to set
    try:
        no_delay(a)
        no_delay(None)
    finally:
        a.close()
        b.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_workers_serve_an_app_through_the_launcher() -> None:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "borderline.api.tcp",
            "borderline.bench.ceiling:app",
            "--port",
            str(port),
            "--workers",
            "2",
        ]
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.HTTPError:
                assert server.poll() is None and time.time() < deadline
                time.sleep(0.2)
        assert r.status_code == 200
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            answers = [client.post("/v1/decisions", json={"id": f"o{i}"}) for i in range(20)]
        assert {a.status_code for a in answers} == {201}
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_servers_parse_http_with_httptools_and_set_no_delay() -> None:
    # httptools is a dependency: the launcher, `borderline serve` and the bench use its C
    # parser (the two-worker test above serves through it), with the same no-delay step.
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    from borderline.api import tcp

    assert tcp.PROTOCOL == "borderline.api.tcp:NoDelayHttpToolsProtocol"
    assert issubclass(tcp.NoDelayHttpToolsProtocol, HttpToolsProtocol)
    assert "connection_made" in vars(tcp.NoDelayHttpToolsProtocol)
