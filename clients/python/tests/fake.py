"""A scripted fake of the Parley server for the unit tests.

It speaks the Connect protocol (binary protobuf) as a pyqwest transport, so
the SDK runs its real connectrpc client against it in-process: each
SessionService.Subscribe call plays the next script of a list, which decides
what the stream delivers and how it ends (cleanly, with a Connect error, or
with a dropped connection). Unary calls answer with a canned response.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import struct
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from google.protobuf import timestamp_pb2
from google.protobuf.message import Message
from pyqwest import Headers, ReadError, Request, Response, SyncRequest, SyncResponse

from parley.session.v1 import session_pb2

SESSION = "session_1b4e28ba-2fa1-11d2-883f-0016d3cca427"
SUBSCRIBE = "/parley.session.v1.SessionService/Subscribe"


def event(seq: int, text: str = "") -> session_pb2.SubscribeResponse:
    ev = session_pb2.SessionEvent(session_id=SESSION, sequence=seq, actor=session_pb2.ACTOR_BOT)
    ev.message.text = text or f"message {seq}"
    return session_pb2.SubscribeResponse(event=ev)


def heartbeat(last: int) -> session_pb2.SubscribeResponse:
    return session_pb2.SubscribeResponse(
        heartbeat=session_pb2.Heartbeat(time=timestamp_pb2.Timestamp(seconds=1), last_sequence=last)
    )


def delta(text: str) -> session_pb2.SubscribeResponse:
    return session_pb2.SubscribeResponse(delta=session_pb2.MessageDelta(stream_id="s1", index=0, text=text))


@dataclass
class End:
    """How a stream ends: cleanly (code None) or with a Connect error."""

    code: str | None = None
    message: str = ""
    details: Sequence[Message] = ()

    def json(self) -> dict[str, object]:
        if self.code is None:
            return {}
        return {"error": error_json(self.code, self.message, self.details)}


@dataclass
class Drop:
    """The connection breaks after what was sent before it."""


@dataclass
class Block:
    """The stream stays open and silent (async transport only)."""


Script = Sequence["session_pb2.SubscribeResponse | End | Drop | Block"]


def error_json(code: str, message: str, details: Sequence[Message] = ()) -> dict[str, object]:
    return {
        "code": code,
        "message": message,
        "details": [
            {
                "type": d.DESCRIPTOR.full_name,
                "value": base64.b64encode(d.SerializeToString()).decode().rstrip("="),
            }
            for d in details
        ],
    }


def envelope(flags: int, data: bytes) -> bytes:
    return struct.pack(">BI", flags, len(data)) + data


def read_envelope(body: bytes) -> bytes:
    flags, n = struct.unpack(">BI", body[:5])
    data = body[5 : 5 + n]
    return gzip.decompress(data) if flags & 1 else data


def stream_chunks(script: Script) -> Iterator[bytes]:
    """The response body of a Subscribe call playing script."""
    for item in script:
        if isinstance(item, Drop):
            raise ReadError("connection reset by peer")
        if isinstance(item, Block):
            raise NotImplementedError("Block needs the async transport")
        if isinstance(item, End):
            yield envelope(2, json.dumps(item.json()).encode())
            return
        yield envelope(0, item.SerializeToString())
    # No End: the body stops without an end-of-stream message, as when a
    # proxy cuts a response short.


@dataclass
class Call:
    """What the fake saw of one call."""

    path: str
    headers: dict[str, str]
    after_sequence: int | None = None
    session_id: str | None = None


@dataclass
class FakeServer:
    """Plays scripts[n] for the n-th Subscribe call (the last one again when
    they run out) and answers unary calls with unary_status/unary_body."""

    scripts: list[Script]
    unary_status: int = 200
    unary_body: bytes = b""
    calls: list[Call] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)  # Subscribe calls whose body was closed
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def subscribes(self) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path.endswith(SUBSCRIBE)]

    def _record(self, url: str, headers: Headers, body: bytes) -> tuple[Call, int]:
        path = urlsplit(url).path
        call = Call(path=path, headers={k: headers[k] for k in headers.keys()})
        if path.endswith(SUBSCRIBE):
            req = session_pb2.SubscribeRequest.FromString(read_envelope(body))
            call.after_sequence = req.after_sequence
            call.session_id = req.session_id
        with self._lock:
            self.calls.append(call)
            n = sum(1 for c in self.calls if c.path.endswith(SUBSCRIBE)) - 1
        return call, n

    def _script(self, n: int) -> Script:
        return self.scripts[min(n, len(self.scripts) - 1)]

    def _closing(self, chunks: Iterator[bytes], n: int) -> Iterator[bytes]:
        try:
            yield from chunks
        finally:
            with self._lock:
                self.closed.append(n)

    # pyqwest SyncTransport
    def execute_sync(self, request: SyncRequest) -> SyncResponse:
        content = request.content
        body = content if isinstance(content, bytes) else b"".join(content)
        call, n = self._record(request.url, request.headers, body)
        if not call.path.endswith(SUBSCRIBE):
            return SyncResponse(
                status=self.unary_status,
                headers=Headers(
                    [("content-type", "application/json" if self.unary_status != 200 else "application/proto")]
                ),
                content=self.unary_body,
            )
        return SyncResponse(
            status=200,
            headers=Headers([("content-type", "application/connect+proto")]),
            content=self._closing(stream_chunks(self._script(n)), n),
        )

    # pyqwest Transport
    async def execute(self, request: Request) -> Response:
        content = request.content
        if isinstance(content, bytes):
            body = content
        else:
            body = b"".join([chunk async for chunk in content])
        call, n = self._record(request.url, request.headers, body)
        if not call.path.endswith(SUBSCRIBE):
            return Response(
                status=self.unary_status,
                headers=Headers(
                    [("content-type", "application/json" if self.unary_status != 200 else "application/proto")]
                ),
                content=self.unary_body,
            )

        async def chunks() -> AsyncIterator[bytes]:
            script = self._script(n)
            try:
                for i, item in enumerate(script):
                    if isinstance(item, Block):
                        await asyncio.Event().wait()  # until cancelled
                    for chunk in stream_chunks(script[i : i + 1]):
                        yield chunk
                    if isinstance(item, (End, Drop)):
                        return
            finally:
                with self._lock:
                    self.closed.append(n)

        return Response(
            status=200,
            headers=Headers([("content-type", "application/connect+proto")]),
            content=chunks(),
        )
