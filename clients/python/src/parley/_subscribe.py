"""Following a session's event log across disconnections."""

from __future__ import annotations

import asyncio
import random
import threading
import time
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from parley.session.v1.session_pb2 import SessionEvent, SubscribeRequest

if TYPE_CHECKING:
    from typing import Self

    from parley.session.v1.session_connect import SessionServiceClient, SessionServiceClientSync

__all__ = ["AsyncSubscription", "Subscription"]

# Codes that reopening the stream cannot fix: the subscription stops with them.
_PERMANENT = frozenset(
    {
        Code.UNAUTHENTICATED,
        Code.PERMISSION_DENIED,
        Code.NOT_FOUND,
        Code.INVALID_ARGUMENT,
        Code.UNIMPLEMENTED,
    }
)


def retryable(error: ConnectError | None) -> bool:
    """Whether reopening a stream that ended with ``error`` can help.

    ``None`` (the server ended the stream, e.g. while shutting down) can.
    """
    return error is None or error.code not in _PERMANENT


def backoff(failures: int, initial: float, maximum: float, rand: Callable[[], float] = random.random) -> float:
    """The wait in seconds before the next attempt after ``failures``
    consecutive attempts that were not working: ``initial`` doubled per
    failure, capped at ``maximum``, minus a random jitter of up to half."""
    d = initial
    for _ in range(failures):
        if d >= maximum / 2:
            d = maximum
            break
        d *= 2
    d = min(d, maximum)
    return d - rand() * (d / 2)


def _check_open(st: _State, client_closed: Callable[[], bool]) -> None:
    """Stop the subscription for good once its client is closed: its
    transport would fail every attempt."""
    if client_closed():
        err = ConnectError(Code.CANCELED, "parley: the client is closed")
        st.stop(err)
        raise err


class _State:
    """What the sync and async subscriptions share."""

    def __init__(self, session_id: str, after_sequence: int, backoff_min: float, backoff_max: float) -> None:
        self.session_id = session_id
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self._lock = threading.Lock()
        self._last = after_sequence
        self._error: ConnectError | None = None

    @property
    def last(self) -> int:
        with self._lock:
            return self._last

    def deliver(self, ev: SessionEvent) -> bool:
        """Record ev as delivered unless it is not newer than the last one."""
        with self._lock:
            if ev.sequence <= self._last:
                return False
            self._last = ev.sequence
            return True

    @property
    def error(self) -> ConnectError | None:
        with self._lock:
            return self._error

    def stop(self, error: ConnectError) -> None:
        with self._lock:
            self._error = error

    def request(self) -> SubscribeRequest:
        return SubscribeRequest(session_id=self.session_id, after_sequence=self.last)


class Subscription:
    """Follows the event log of one session across disconnections.

    Create it with :meth:`parley.ParleyClient.subscribe` and read it with a
    ``for`` loop, which yields :class:`SessionEvent` messages in sequence
    order::

        with client.subscribe(session_id) as sub:
            for event in sub:
                handle(event)

    Nothing is sent until the loop starts. The loop opens a
    ``SessionService.Subscribe`` stream and, whenever that stream fails or
    ends, reopens it after a backoff, asking for the events after the last
    one delivered, so none is missed or delivered twice. Sequences increase
    strictly; they may skip numbers for events the credential may not see.
    Heartbeats and streamed message deltas are not delivered.

    The loop raises :class:`connectrpc.errors.ConnectError` and the
    subscription stops for good when the server refuses the stream with
    unauthenticated, permission_denied, not_found, invalid_argument or
    unimplemented, which retrying cannot fix, or (with code canceled) when
    it would reopen the stream of a closed client; :attr:`error` then holds
    that error and a new loop raises it again at once. Every other failure
    (unavailable, internal, a reset connection, a server restart, a stream
    silent for longer than the client's ``stream_idle_timeout``) is retried
    indefinitely, without being reported.

    Breaking out of the loop closes the stream (CPython drops the loop's
    generator at once) and keeps the subscription: a later loop continues
    after the last event delivered. :meth:`close` (or leaving the ``with``
    block) closes a stream that a loop left open, and may be called from the
    loop's body to end it. A subscription must not be read by two loops at
    the same time, nor closed from another thread.
    """

    def __init__(
        self,
        sessions: SessionServiceClientSync,
        session_id: str,
        after_sequence: int,
        *,
        backoff_min: float,
        backoff_max: float,
        client_closed: Callable[[], bool] = lambda: False,
    ) -> None:
        self._sessions = sessions
        self._client_closed = client_closed
        self._state = _State(session_id, after_sequence, backoff_min, backoff_max)
        self._current: weakref.ref[Generator[SessionEvent, None, None]] | None = None

    @property
    def session_id(self) -> str:
        """The session whose events this subscription follows."""
        return self._state.session_id

    @property
    def last_sequence(self) -> int:
        """The sequence of the newest event delivered, or the
        ``after_sequence`` given to ``subscribe`` before any: where a new
        subscription would resume."""
        return self._state.last

    @property
    def error(self) -> ConnectError | None:
        """The error that stopped the subscription for good, or None while it
        can still deliver events."""
        return self._state.error

    def __iter__(self) -> Iterator[SessionEvent]:
        gen = self._events()
        self._current = weakref.ref(gen)
        return gen

    def close(self) -> None:
        """Close the stream a loop over this subscription has open, if any.

        The loop then ends (without an error); a later loop resumes after
        the last event delivered.
        """
        gen = self._current() if self._current is not None else None
        self._current = None
        if gen is not None:
            gen.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        _exc_type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()

    def _events(self) -> Generator[SessionEvent, None, None]:
        st = self._state
        if (stopped := st.error) is not None:
            raise stopped
        failures = 0  # consecutive attempts that were not working
        while True:
            _check_open(st, self._client_closed)
            opened = time.monotonic()
            working = False
            error: ConnectError | None = None
            stream = self._sessions.subscribe(st.request())
            try:
                for res in stream:
                    if res.WhichOneof("item") != "event" or not st.deliver(res.event):
                        continue  # heartbeat, delta, or an event already delivered
                    working = True
                    yield res.event
            except ConnectError as e:
                error = e
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()
            if not retryable(error):
                assert error is not None
                st.stop(error)
                raise error
            if working or time.monotonic() - opened >= st.backoff_max:
                failures = 0
            time.sleep(backoff(failures, st.backoff_min, st.backoff_max))
            failures += 1


class AsyncSubscription:
    """The asyncio form of :class:`Subscription`: read it with ``async for``.

    Create it with :meth:`parley.AsyncParleyClient.subscribe`::

        async with client.subscribe(session_id) as sub:
            async for event in sub:
                handle(event)

    It behaves as :class:`Subscription` does. Cancelling the task that
    reads it (``asyncio.timeout``, ``Task.cancel``) raises
    :class:`asyncio.CancelledError` out of the loop as usual and leaves the
    subscription usable. A ``break`` leaves the stream open until the
    ``async with`` block ends (or ``await sub.aclose()``), or the next loop
    over the subscription starts.
    """

    def __init__(
        self,
        sessions: SessionServiceClient,
        session_id: str,
        after_sequence: int,
        *,
        backoff_min: float,
        backoff_max: float,
        client_closed: Callable[[], bool] = lambda: False,
    ) -> None:
        self._sessions = sessions
        self._client_closed = client_closed
        self._state = _State(session_id, after_sequence, backoff_min, backoff_max)
        # A strong reference, unlike Subscription's: asyncio closes an
        # abandoned async generator only some time after it is collected, so
        # aclose() must be able to reach it.
        self._current: AsyncGenerator[SessionEvent, None] | None = None

    @property
    def session_id(self) -> str:
        """The session whose events this subscription follows."""
        return self._state.session_id

    @property
    def last_sequence(self) -> int:
        """See :attr:`Subscription.last_sequence`."""
        return self._state.last

    @property
    def error(self) -> ConnectError | None:
        """See :attr:`Subscription.error`."""
        return self._state.error

    def __aiter__(self) -> AsyncIterator[SessionEvent]:
        gen = self._events(self._current)
        self._current = gen
        return gen

    async def aclose(self) -> None:
        """Close the stream a loop over this subscription has open, if any.

        The loop then ends (without an error); a later loop resumes after
        the last event delivered.
        """
        gen, self._current = self._current, None
        if gen is not None:
            await gen.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        _exc_type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _events(self, previous: AsyncGenerator[SessionEvent, None] | None) -> AsyncGenerator[SessionEvent, None]:
        if previous is not None:
            await previous.aclose()  # the stream a loop left with break
        st = self._state
        if (stopped := st.error) is not None:
            raise stopped
        loop = asyncio.get_running_loop()
        failures = 0
        while True:
            _check_open(st, self._client_closed)
            opened = loop.time()
            working = False
            error: ConnectError | None = None
            stream = self._sessions.subscribe(st.request())
            try:
                async for res in stream:
                    if res.WhichOneof("item") != "event" or not st.deliver(res.event):
                        continue
                    working = True
                    yield res.event
            except ConnectError as e:
                # connectrpc turns the cancellation of the reading task into
                # a canceled error: let the cancellation go on instead.
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise asyncio.CancelledError() from e
                error = e
            finally:
                aclose = getattr(stream, "aclose", None)
                if aclose is not None:
                    await aclose()
            if not retryable(error):
                assert error is not None
                st.stop(error)
                raise error
            if working or loop.time() - opened >= st.backoff_max:
                failures = 0
            await asyncio.sleep(backoff(failures, st.backoff_min, st.backoff_max))
            failures += 1
