"""ParleyClient and AsyncParleyClient: the three services with one credential."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from connectrpc.protocol import ProtocolType
from pyqwest import (
    Client,
    HTTPTransport,
    HTTPVersion,
    SyncClient,
    SyncHTTPTransport,
    SyncTransport,
    Transport,
)

from parley._subscribe import AsyncSubscription, Subscription
from parley._version import __version__
from parley.agent.v1.agent_connect import AgentServiceClient, AgentServiceClientSync
from parley.session.v1.session_connect import SessionServiceClient, SessionServiceClientSync
from parley.workflow.v1.workflow_connect import WorkflowServiceClient, WorkflowServiceClientSync

if TYPE_CHECKING:
    from typing import Self

    from connectrpc.interceptor import Interceptor, InterceptorSync
    from connectrpc.request import RequestContext

__all__ = ["AsyncParleyClient", "ParleyClient"]

DEFAULT_BACKOFF = (0.25, 15.0)
"""Default initial and maximum wait, in seconds, before a subscription
reopens its stream."""

DEFAULT_STREAM_IDLE_TIMEOUT = 60.0
"""Default time, in seconds, that a subscription's stream may deliver
nothing, not even a heartbeat, before it is considered dead and reopened.
The server sends a heartbeat every 15 s by default (PARLEY_HEARTBEAT)."""

_CONNECT_TIMEOUT = 10.0


def _transport_options(tls_ca_cert: bytes | None, protocol: ProtocolType, read_timeout: float | None) -> dict[str, Any]:
    """Options of the pyqwest transports the clients build: the system's CAs
    (plus tls_ca_cert), bounded connection setup, HTTP/2 for gRPC (cleartext
    with prior knowledge for http://, as gRPC does) and whatever ALPN
    negotiates otherwise (HTTP/1.1 for http://), and for streams a read
    timeout: a stream that waits longer than it for a byte fails, and the
    subscription reopens it."""
    return {
        "tls_include_system_certs": True,
        "tls_ca_cert": tls_ca_cert,
        "connect_timeout": _CONNECT_TIMEOUT,
        "http_version": HTTPVersion.HTTP2 if protocol == ProtocolType.GRPC else None,
        "read_timeout": read_timeout,
    }


@dataclass(frozen=True)
class _Config:
    base_url: str
    authorization: str | None
    user_agent: str
    backoff_min: float
    backoff_max: float
    idle_timeout: float | None


def _config(
    base_url: str,
    token: str,
    user_agent: str | None,
    reconnect_backoff: tuple[float, float],
    stream_idle_timeout: float | None,
) -> _Config:
    if not isinstance(base_url, str):
        raise TypeError(f"parley: base URL must be a str, not {type(base_url).__name__}")
    try:
        u = urlsplit(base_url)
        host = u.hostname
        _ = u.port  # raises on a bad port
    except ValueError as e:
        raise ValueError(f"parley: base URL {base_url!r}: {e}") from None
    if u.scheme not in ("http", "https"):
        raise ValueError(f"parley: base URL {base_url!r}: scheme must be http or https")
    if not host:
        raise ValueError(f"parley: base URL {base_url!r} has no host")
    if u.query or u.fragment or base_url.rstrip().endswith(("?", "#")):
        raise ValueError(f"parley: base URL {base_url!r} must not have a query or fragment")
    if not isinstance(token, str):
        raise TypeError(f"parley: token must be a str, not {type(token).__name__}")
    if "\r" in token or "\n" in token:
        raise ValueError("parley: token contains a line break")
    if user_agent is not None and ("\r" in user_agent or "\n" in user_agent):
        raise ValueError("parley: user agent contains a line break")

    lo, hi = reconnect_backoff
    lo = lo if lo > 0 else DEFAULT_BACKOFF[0]
    hi = hi if hi > 0 else DEFAULT_BACKOFF[1]
    hi = max(hi, lo)
    if stream_idle_timeout is not None and not stream_idle_timeout > 0:
        raise ValueError("parley: stream_idle_timeout must be positive, or None to disable the check")

    ua = f"parley-python/{__version__}"
    if user_agent:
        ua = f"{user_agent} {ua}"
    return _Config(
        base_url=base_url.rstrip("/"),
        authorization=f"Bearer {token}" if token else None,
        user_agent=ua,
        backoff_min=float(lo),
        backoff_max=float(hi),
        idle_timeout=stream_idle_timeout,
    )


class _HeadersSync:
    """Sets Authorization and User-Agent on every call (a metadata
    interceptor, last in the chain so that its values win)."""

    def __init__(self, cfg: _Config) -> None:
        self._cfg = cfg

    def on_start_sync(self, ctx: RequestContext[Any, Any]) -> None:
        _set_headers(ctx, self._cfg)

    def on_end_sync(self, token: None, ctx: RequestContext[Any, Any], error: Exception | None) -> None:
        return


class _Headers:
    """The asyncio form of _HeadersSync."""

    def __init__(self, cfg: _Config) -> None:
        self._cfg = cfg

    async def on_start(self, ctx: RequestContext[Any, Any]) -> None:
        _set_headers(ctx, self._cfg)

    async def on_end(self, token: None, ctx: RequestContext[Any, Any], error: Exception | None) -> None:
        return


def _set_headers(ctx: RequestContext[Any, Any], cfg: _Config) -> None:
    h = ctx.request_headers
    if cfg.authorization is not None:
        h["authorization"] = cfg.authorization
    h["user-agent"] = cfg.user_agent


class ParleyClient:
    """A connection to one Parley server with one credential.

    Its attributes are the generated Connect clients of the three services;
    call them with the generated request messages::

        from parley import ParleyClient
        from parley.session.v1 import session_pb2

        with ParleyClient("http://localhost:8080", token) as client:
            res = client.sessions.get_session(session_pb2.GetSessionRequest(session_id=sid))

    - ``workflows``: workflows, versions, runs, snippets, TriggerWorkflow
      (``parley.workflow.v1.WorkflowService``);
    - ``sessions``: sessions, messages, custom data, event streams
      (``parley.session.v1.SessionService``); for a stream that survives
      disconnections use :meth:`subscribe`;
    - ``agent``: the AI agent, personas, the knowledge base
      (``parley.agent.v1.AgentService``).

    Every call carries ``Authorization: Bearer <token>`` (none when
    ``token`` is empty: the one call a widget makes anonymously) and a
    ``User-Agent`` of ``parley-python/<version>``, after ``user_agent`` when
    given. A failed call raises :class:`connectrpc.errors.ConnectError`.

    Args:
        base_url: e.g. ``"https://parley.example.com"`` or
            ``"http://localhost:8080"``, possibly with a path prefix when a
            reverse proxy serves Parley under one.
        token: an API token, a widget's session token, or ``""``.
        user_agent: a product (e.g. ``"acme-billing/2.3"``) to put in front of
            the User-Agent.
        interceptors: connectrpc interceptors for every call, the first one
            outermost. The SDK's headers win over values they set.
        timeout_ms: a deadline for each call of ``workflows``, ``sessions``
            and ``agent`` (streams included); :meth:`subscribe` has none.
        protocol: ``ProtocolType.CONNECT`` (the default), ``GRPC`` or
            ``GRPC_WEB`` (from ``connectrpc.protocol``); the Parley server
            accepts all three on one port. gRPC needs HTTP/2: the client's
            own transports then use it, cleartext (h2c) for http://.
        tls_ca_cert: PEM certificates to trust for https, in addition to the
            system's.
        transport: a pyqwest ``SyncTransport`` to send every request through
            instead of the ones the client builds (HTTP/1.1 for http://, TLS
            with HTTP/2 or HTTP/1.1 for https://; HTTP/2 for gRPC). The
            caller closes it. ``stream_idle_timeout`` does not apply to it:
            give it a ``read_timeout`` for that.
        reconnect_backoff: the initial and maximum wait in seconds before a
            subscription reopens its stream (default 0.25 and 15): the initial
            one after a stream that was working (it delivered events, or
            stayed open for at least the maximum), doubling on every further
            attempt, each wait shortened by a random jitter of up to half.
            Values of 0 keep the default.
        stream_idle_timeout: how long in seconds a subscription's stream may
            deliver nothing, not even a heartbeat, before it is reopened
            (default 60); None disables the check.

    The client is safe to share between threads and should be reused: it
    keeps its connections open. Close it (or use it as a context manager)
    to release them.
    """

    workflows: WorkflowServiceClientSync
    sessions: SessionServiceClientSync
    agent: AgentServiceClientSync

    def __init__(
        self,
        base_url: str,
        token: str = "",
        *,
        user_agent: str | None = None,
        interceptors: Iterable[InterceptorSync] = (),
        timeout_ms: int | None = None,
        protocol: ProtocolType = ProtocolType.CONNECT,
        tls_ca_cert: bytes | None = None,
        transport: SyncTransport | None = None,
        reconnect_backoff: tuple[float, float] = DEFAULT_BACKOFF,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
    ) -> None:
        cfg = _config(base_url, token, user_agent, reconnect_backoff, stream_idle_timeout)
        self._cfg = cfg
        self._owned: list[SyncHTTPTransport] = []
        unary: SyncTransport
        stream: SyncTransport
        if transport is None:
            self._owned = [
                SyncHTTPTransport(**_transport_options(tls_ca_cert, protocol, None)),
                SyncHTTPTransport(**_transport_options(tls_ca_cert, protocol, cfg.idle_timeout)),
            ]
            unary, stream = self._owned
        else:
            unary = stream = transport
        chain = [*interceptors, _HeadersSync(cfg)]
        http = SyncClient(unary)
        opts: dict[str, Any] = {"protocol": protocol, "interceptors": chain}
        self.workflows = WorkflowServiceClientSync(cfg.base_url, timeout_ms=timeout_ms, http_client=http, **opts)
        self.sessions = SessionServiceClientSync(cfg.base_url, timeout_ms=timeout_ms, http_client=http, **opts)
        self.agent = AgentServiceClientSync(cfg.base_url, timeout_ms=timeout_ms, http_client=http, **opts)
        self._streams = SessionServiceClientSync(cfg.base_url, http_client=SyncClient(stream), **opts)
        self._closed = False

    def subscribe(self, session_id: str, after_sequence: int = 0) -> Subscription:
        """Follow the events of a session with a sequence greater than
        ``after_sequence``: first those already in the log, then new ones as
        they happen.

        Pass 0 for the whole log, or a sequence already processed
        (``Session.last_sequence``, :attr:`Subscription.last_sequence`) to
        resume. See :class:`Subscription`.
        """
        return Subscription(
            self._streams,
            session_id,
            after_sequence,
            backoff_min=self._cfg.backoff_min,
            backoff_max=self._cfg.backoff_max,
            client_closed=lambda: self._closed,
        )

    def close(self) -> None:
        """Close the connections the client opened. A transport passed to
        the constructor is left open."""
        if self._closed:
            return
        self._closed = True
        for c in (self.workflows, self.sessions, self.agent, self._streams):
            c.close()
        for t in self._owned:
            t.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        _exc_type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncParleyClient:
    """The asyncio form of :class:`ParleyClient`, with the same arguments
    (``transport`` is a pyqwest ``Transport``, ``interceptors`` are
    connectrpc's async interceptors)::

        async with AsyncParleyClient("http://localhost:8080", token) as client:
            res = await client.sessions.get_session(session_pb2.GetSessionRequest(session_id=sid))
    """

    workflows: WorkflowServiceClient
    sessions: SessionServiceClient
    agent: AgentServiceClient

    def __init__(
        self,
        base_url: str,
        token: str = "",
        *,
        user_agent: str | None = None,
        interceptors: Iterable[Interceptor] = (),
        timeout_ms: int | None = None,
        protocol: ProtocolType = ProtocolType.CONNECT,
        tls_ca_cert: bytes | None = None,
        transport: Transport | None = None,
        reconnect_backoff: tuple[float, float] = DEFAULT_BACKOFF,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
    ) -> None:
        cfg = _config(base_url, token, user_agent, reconnect_backoff, stream_idle_timeout)
        self._cfg = cfg
        self._owned: list[HTTPTransport] = []
        unary: Transport
        stream: Transport
        if transport is None:
            self._owned = [
                HTTPTransport(**_transport_options(tls_ca_cert, protocol, None)),
                HTTPTransport(**_transport_options(tls_ca_cert, protocol, cfg.idle_timeout)),
            ]
            unary, stream = self._owned
        else:
            unary = stream = transport
        chain = [*interceptors, _Headers(cfg)]
        http = Client(unary)
        opts: dict[str, Any] = {"protocol": protocol, "interceptors": chain}
        self.workflows = WorkflowServiceClient(cfg.base_url, timeout_ms=timeout_ms, http_client=http, **opts)
        self.sessions = SessionServiceClient(cfg.base_url, timeout_ms=timeout_ms, http_client=http, **opts)
        self.agent = AgentServiceClient(cfg.base_url, timeout_ms=timeout_ms, http_client=http, **opts)
        self._streams = SessionServiceClient(cfg.base_url, http_client=Client(stream), **opts)
        self._closed = False

    def subscribe(self, session_id: str, after_sequence: int = 0) -> AsyncSubscription:
        """See :meth:`ParleyClient.subscribe` and :class:`AsyncSubscription`."""
        return AsyncSubscription(
            self._streams,
            session_id,
            after_sequence,
            backoff_min=self._cfg.backoff_min,
            backoff_max=self._cfg.backoff_max,
            client_closed=lambda: self._closed,
        )

    async def close(self) -> None:
        """Close the connections the client opened. A transport passed to
        the constructor is left open."""
        if self._closed:
            return
        self._closed = True
        for c in (self.workflows, self.sessions, self.agent, self._streams):
            await c.close()
        for t in self._owned:
            await t.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        _exc_type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        await self.close()
