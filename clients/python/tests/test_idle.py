"""A subscription reopens a stream that goes silent, over a real socket: the
client's own transport with its read timeout, against a bare HTTP/1.1
server whose first stream delivers one event and then hangs."""

from __future__ import annotations

import asyncio
import socket
import socketserver
import threading
from collections.abc import Iterator

import pytest
from fake import SESSION, envelope, event, read_envelope

from parley import AsyncParleyClient, Code, ConnectError, ParleyClient
from parley.session.v1 import session_pb2


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        conn: socket.socket = self.request
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            body += conn.recv(65536)
        req = session_pb2.SubscribeRequest.FromString(read_envelope(body))
        with self.server.lock:
            n = len(self.server.afters)
            self.server.afters.append(req.after_sequence)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/connect+proto\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )

        def send(b: bytes) -> None:
            conn.sendall(f"{len(b):x}\r\n".encode() + b + b"\r\n")

        if n == 0:
            send(envelope(0, event(1).SerializeToString()))
            # Silent from now on, until the client hangs up (or, when the
            # client fails to notice, for 10 s: then the test fails).
            conn.settimeout(10)
            try:
                while conn.recv(65536):
                    pass
            except TimeoutError:
                return
            except OSError:
                pass
            with self.server.lock:
                self.server.hung_up.append(n)
            return
        send(envelope(0, event(2).SerializeToString()))
        send(envelope(2, b'{"error": {"code": "permission_denied", "message": "done"}}'))
        conn.sendall(b"0\r\n\r\n")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.afters: list[int] = []
        self.hung_up: list[int] = []


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _url(srv: _Server) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}"


def test_a_silent_stream_is_reopened(server: _Server) -> None:
    got = []
    with ParleyClient(_url(server), "tok", stream_idle_timeout=0.3, reconnect_backoff=(0.01, 0.02)) as c:
        sub = c.subscribe(SESSION)
        with pytest.raises(ConnectError) as err:
            for ev in sub:
                got.append(ev.sequence)
    assert got == [1, 2]
    assert err.value.code == Code.PERMISSION_DENIED
    assert server.afters == [0, 1]
    assert server.hung_up == [0], "the silent stream's connection was closed"


def test_a_silent_stream_is_reopened_async(server: _Server) -> None:
    async def run() -> tuple[list[int], ConnectError]:
        got = []
        async with AsyncParleyClient(_url(server), "tok", stream_idle_timeout=0.3, reconnect_backoff=(0.01, 0.02)) as c:
            try:
                async with c.subscribe(SESSION) as sub:
                    async for ev in sub:
                        got.append(ev.sequence)
            except ConnectError as e:
                return got, e
        raise AssertionError("the subscription ended without an error")

    got, err = asyncio.run(run())
    assert got == [1, 2]
    assert err.code == Code.PERMISSION_DENIED
    assert server.afters == [0, 1]
    assert server.hung_up == [0], "the silent stream's connection was closed"
