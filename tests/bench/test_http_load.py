"""The bench's load generator: HTTP/1.1 on asyncio streams, keep-alive, errors counted."""

from __future__ import annotations

import asyncio

from borderline.bench.core import http_load


async def _serve_and_load(orders: int, concurrency: int) -> tuple[float, list[float], int, int]:
    seen = 0
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal seen, connections
        connections += 1
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            body = await reader.readexactly(length)
            assert body.startswith(b'{"id":')
            assert b"Authorization: Bearer k-1" in head
            seen += 1
            if seen % 3 == 0:  # every third: refused, and the connection closed
                writer.write(
                    b"HTTP/1.1 409 Conflict\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
                )
                await writer.drain()
                break
            answer = b'{"outcome": "approve", "padding": "' + b"x" * 5000 + b'"}'
            writer.write(
                b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(answer)}\r\n\r\n".encode()
                + answer
            )
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        elapsed, latencies, errors = await http_load(
            f"http://127.0.0.1:{port}", "k-1", [{"id": f"o{i}"} for i in range(orders)], concurrency
        )
    return elapsed, latencies, errors, connections


def test_every_order_is_sent_once_and_refusals_count_as_errors() -> None:
    elapsed, latencies, errors, connections = asyncio.run(_serve_and_load(30, 4))
    assert len(latencies) == 30 and elapsed > 0
    assert errors == 10  # the server refused every third request
    assert connections >= 10  # each refusal closed its connection; the next one reopened


def test_a_server_that_is_not_there_counts_every_request_as_an_error() -> None:
    async def load() -> tuple[float, list[float], int]:
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        return await http_load(f"http://127.0.0.1:{port}", "k", [{"id": "a"}, {"id": "b"}], 2)

    _, latencies, errors = asyncio.run(load())
    assert (len(latencies), errors) == (2, 2)
