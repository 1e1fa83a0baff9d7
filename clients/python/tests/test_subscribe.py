"""ParleyClient.subscribe and AsyncParleyClient.subscribe against a scripted
fake server: resumption, what stops a subscription, headers, backoff."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import pytest
from fake import SESSION, Block, Drop, End, FakeServer, Script, delta, event, heartbeat

from parley import AsyncParleyClient, Code, ConnectError, ParleyClient
from parley._subscribe import backoff

FAST = (0.001, 0.004)  # reconnect backoff for the tests: real waits, short ones


def collect_sync(
    fake: FakeServer, after: int = 0, stop_after: int | None = None
) -> tuple[list[int], ConnectError | None, ParleyClient]:
    client = ParleyClient("http://parley.test", "tok", transport=fake, reconnect_backoff=FAST)
    sub = client.subscribe(SESSION, after)
    got: list[int] = []
    err: ConnectError | None = None
    try:
        for ev in sub:
            got.append(ev.sequence)
            if stop_after is not None and len(got) >= stop_after:
                break
    except ConnectError as e:
        err = e
        assert sub.error is e
    return got, err, client


def collect_async(fake: FakeServer, after: int = 0) -> tuple[list[int], ConnectError | None]:
    async def run() -> tuple[list[int], ConnectError | None]:
        async with AsyncParleyClient("http://parley.test", "tok", transport=fake, reconnect_backoff=FAST) as client:
            got: list[int] = []
            async with client.subscribe(SESSION, after) as sub:
                try:
                    async for ev in sub:
                        got.append(ev.sequence)
                except ConnectError as e:
                    assert sub.error is e
                    return got, e
            return got, None

    return asyncio.run(run())


def sync_form(fake: FakeServer, after: int = 0) -> tuple[list[int], ConnectError | None]:
    got, err, _ = collect_sync(fake, after)
    return got, err


FORMS: list[Callable[[FakeServer, int], tuple[list[int], ConnectError | None]]] = [sync_form, collect_async]
FORM_IDS = ["sync", "async"]


@pytest.mark.parametrize("collect", FORMS, ids=FORM_IDS)
def test_resumes_after_every_kind_of_end(
    collect: Callable[[FakeServer, int], tuple[list[int], ConnectError | None]],
) -> None:
    fake = FakeServer(
        scripts=[
            [heartbeat(0), event(1), event(2), Drop()],  # connection reset
            [heartbeat(2), event(2), event(3), delta("Hel"), End()],  # replays 2; ends cleanly
            [event(3), event(4), End("unavailable", "shutting down")],
            [event(5)],  # cut short: no end-of-stream message
            [heartbeat(5), event(6), End("internal", "boom")],
            [End("permission_denied", "token revoked")],
        ]
    )
    got, err = collect(fake, 0)
    assert got == [1, 2, 3, 4, 5, 6], "every event once, in order, across six streams"
    assert err is not None and err.code == Code.PERMISSION_DENIED and err.message == "token revoked"
    assert [c.after_sequence for c in fake.subscribes()] == [0, 2, 3, 4, 5, 6]
    assert {c.session_id for c in fake.subscribes()} == {SESSION}


@pytest.mark.parametrize(
    "code",
    [Code.UNAUTHENTICATED, Code.PERMISSION_DENIED, Code.NOT_FOUND, Code.INVALID_ARGUMENT, Code.UNIMPLEMENTED],
)
@pytest.mark.parametrize("collect", FORMS, ids=FORM_IDS)
def test_stops_on_what_retrying_cannot_fix(
    collect: Callable[[FakeServer, int], tuple[list[int], ConnectError | None]], code: Code
) -> None:
    fake = FakeServer(scripts=[[heartbeat(3), End(code.value, "no")], [event(4)]])
    got, err = collect(fake, 0)
    assert got == []
    assert err is not None and err.code == code
    assert len(fake.subscribes()) == 1, "no retry"


@pytest.mark.parametrize("collect", FORMS, ids=FORM_IDS)
def test_retries_what_retrying_can_fix(
    collect: Callable[[FakeServer, int], tuple[list[int], ConnectError | None]],
) -> None:
    retried = [
        "unavailable",
        "internal",
        "unknown",
        "deadline_exceeded",
        "resource_exhausted",
        "aborted",
        "canceled",
        "data_loss",
    ]
    fake = FakeServer(
        scripts=[[End(code, "try again")] for code in retried] + [[event(1), End("not_found", "session deleted")]]
    )
    got, err = collect(fake, 0)
    assert got == [1]
    assert err is not None and err.code == Code.NOT_FOUND
    assert len(fake.subscribes()) == len(retried) + 1


@pytest.mark.parametrize("collect", FORMS, ids=FORM_IDS)
def test_starts_after_the_given_sequence(
    collect: Callable[[FakeServer, int], tuple[list[int], ConnectError | None]],
) -> None:
    fake = FakeServer(scripts=[[event(6), event(7), event(8), End("unauthenticated", "bye")]])
    got, err = collect(fake, 7)
    assert got == [8], "events up to the given sequence are not delivered"
    assert fake.subscribes()[0].after_sequence == 7
    assert err is not None and err.code == Code.UNAUTHENTICATED


def test_a_stopped_subscription_raises_again_without_calling() -> None:
    fake = FakeServer(scripts=[[event(1), End("permission_denied", "no")]])
    client = ParleyClient("http://parley.test", "tok", transport=fake, reconnect_backoff=FAST)
    sub = client.subscribe(SESSION)
    with pytest.raises(ConnectError) as first:
        list(sub)
    with pytest.raises(ConnectError) as second:
        for _ in sub:
            pytest.fail("a stopped subscription delivered an event")
    assert second.value is first.value is sub.error
    assert len(fake.subscribes()) == 1
    assert sub.last_sequence == 1


def test_break_closes_the_stream_and_a_new_loop_continues() -> None:
    fake = FakeServer(
        scripts=[
            [event(1), event(2), event(3), End("unavailable", "")],
            [event(2), event(3), End("unavailable", "")],
            [event(3), event(4), End("not_found", "gone")],
        ]
    )
    client = ParleyClient("http://parley.test", "tok", transport=fake, reconnect_backoff=FAST)
    sub = client.subscribe(SESSION)
    for ev in sub:
        assert ev.sequence == 1
        break
    assert fake.closed == [0], "breaking out of the loop closes its stream"
    assert sub.last_sequence == 1 and sub.error is None
    got = []
    with pytest.raises(ConnectError):
        for ev in sub:
            got.append(ev.sequence)
    assert got == [2, 3, 4]
    assert [c.after_sequence for c in fake.subscribes()] == [0, 1, 3]
    assert fake.closed == [0, 1, 2]


def test_close_from_the_loop_body_ends_the_loop() -> None:
    fake = FakeServer(scripts=[[event(1), event(2), End("unavailable", "")]])
    client = ParleyClient("http://parley.test", "tok", transport=fake, reconnect_backoff=FAST)
    got = []
    with client.subscribe(SESSION) as sub:
        for ev in sub:
            got.append(ev.sequence)
            sub.close()
    assert got == [1]
    assert fake.closed == [0]
    assert sub.error is None


def test_async_close_closes_the_stream_after_break() -> None:
    fake = FakeServer(scripts=[[event(1), event(2), End("unavailable", "")], [event(2), End("not_found", "")]])

    async def run() -> list[int]:
        client = AsyncParleyClient("http://parley.test", "tok", transport=fake, reconnect_backoff=FAST)
        got = []
        async with client.subscribe(SESSION) as sub:
            async for ev in sub:
                got.append(ev.sequence)
                break
        assert fake.closed == [0], "leaving the async with block closes the stream"
        # A new loop continues after the last event delivered.
        with pytest.raises(ConnectError):
            async for ev in sub:
                got.append(ev.sequence)
        await client.close()
        return got

    assert asyncio.run(run()) == [1, 2]
    assert [c.after_sequence for c in fake.subscribes()] == [0, 1]


@pytest.mark.parametrize("where", ["reading", "backing off"])
def test_async_cancellation_is_not_retried(where: str) -> None:
    # While reading: the stream delivers an event, then stays silent. While
    # backing off: the stream is cut short, and the next attempt is due in
    # 30 to 60 s.
    first: Script = [event(1), Block()] if where == "reading" else [event(1)]
    fake = FakeServer(scripts=[first, [event(2), End("not_found", "")]])
    delivered = []

    async def run() -> None:
        client = AsyncParleyClient("http://parley.test", "tok", transport=fake, reconnect_backoff=(60.0, 60.0))
        sub = client.subscribe(SESSION)

        async def read() -> None:
            async for ev in sub:
                delivered.append(ev.sequence)

        task = asyncio.create_task(read())
        while not delivered:
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.01)  # let the reader reach the silent read / the backoff
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=10)  # a guard against hanging, not a time limit on the SDK
        assert task in done and task.cancelled(), "the cancellation reaches the reader"
        assert sub.error is None, "cancellation does not stop the subscription for good"
        await sub.aclose()
        await client.close()

    asyncio.run(run())
    assert delivered == [1]
    assert len(fake.subscribes()) == 1, "no new stream after the cancellation"
    assert fake.closed == [0]


@pytest.mark.parametrize("form", ["sync", "async"])
def test_every_call_carries_the_headers(form: str) -> None:
    from connectrpc.request import RequestContext

    seen_by_interceptor: list[str] = []

    class Meddler:
        """A user interceptor that tries to replace the credentials."""

        def on_start_sync(self, ctx: RequestContext) -> None:
            seen_by_interceptor.append(ctx.method.name)
            ctx.request_headers["authorization"] = "Bearer other"
            ctx.request_headers["x-trace"] = "abc"

        def on_end_sync(self, token: None, ctx: RequestContext, error: Exception | None) -> None:
            pass

    class AsyncMeddler:
        async def on_start(self, ctx: RequestContext) -> None:
            seen_by_interceptor.append(ctx.method.name)
            ctx.request_headers["authorization"] = "Bearer other"
            ctx.request_headers["x-trace"] = "abc"

        async def on_end(self, token: None, ctx: RequestContext, error: Exception | None) -> None:
            pass

    from parley.session.v1 import session_pb2

    fake = FakeServer(
        scripts=[[event(1), End("permission_denied", "")]],
        unary_body=session_pb2.GetSessionResponse().SerializeToString(),
    )
    if form == "sync":
        with ParleyClient(
            "http://parley.test/prefix/", "tok", user_agent="acme/2.3", interceptors=[Meddler()], transport=fake
        ) as c:
            c.sessions.get_session(session_pb2.GetSessionRequest(session_id=SESSION))
            with pytest.raises(ConnectError):
                list(c.subscribe(SESSION))
    else:

        async def run() -> None:
            async with AsyncParleyClient(
                "http://parley.test/prefix/",
                "tok",
                user_agent="acme/2.3",
                interceptors=[AsyncMeddler()],
                transport=fake,
            ) as c:
                await c.sessions.get_session(session_pb2.GetSessionRequest(session_id=SESSION))
                with pytest.raises(ConnectError):
                    async for _ in c.subscribe(SESSION):
                        pass

        asyncio.run(run())

    assert seen_by_interceptor == ["GetSession", "Subscribe"]
    assert [c.path for c in fake.calls] == [
        "/prefix/parley.session.v1.SessionService/GetSession",
        "/prefix/parley.session.v1.SessionService/Subscribe",
    ]
    for call in fake.calls:
        assert call.headers["authorization"] == "Bearer tok", "the SDK's credentials win"
        assert call.headers["user-agent"].startswith("acme/2.3 parley-python/")
        assert call.headers["x-trace"] == "abc"


def test_no_authorization_header_without_a_token() -> None:
    from parley.session.v1 import session_pb2

    fake = FakeServer(scripts=[[]], unary_body=session_pb2.CreateSessionResponse().SerializeToString())
    with ParleyClient("http://parley.test", transport=fake) as c:
        c.sessions.create_session(session_pb2.CreateSessionRequest(public_key="pk_abc"))
    assert "authorization" not in fake.calls[0].headers


def test_backoff_doubles_up_to_the_cap_and_keeps_at_least_half() -> None:
    rng = random.Random(1)
    for failures, nominal in enumerate([0.1, 0.2, 0.4, 0.8, 1.6, 3.0, 3.0, 3.0]):
        for _ in range(200):
            d = backoff(failures, 0.1, 3.0, rng.random)
            assert nominal / 2 <= d <= nominal, (failures, d)
        assert backoff(failures, 0.1, 3.0, lambda: 0.0) == pytest.approx(nominal)
        assert backoff(failures, 0.1, 3.0, lambda: 1.0) == pytest.approx(nominal / 2)
    assert backoff(1 << 20, 0.1, 3.0) <= 3.0


def test_a_closed_client_stops_its_subscriptions() -> None:
    fake = FakeServer(scripts=[[event(1), event(2), End("unavailable", "")], [event(3)]])
    client = ParleyClient("http://parley.test", "tok", transport=fake, reconnect_backoff=FAST)
    sub = client.subscribe(SESSION)
    got = []
    with pytest.raises(ConnectError) as e:
        for ev in sub:
            got.append(ev.sequence)
            client.close()
    assert got == [1, 2], "the open stream is read to its end"
    assert e.value.code == Code.CANCELED and "closed" in e.value.message
    assert sub.error is e.value
    assert len(fake.subscribes()) == 1, "no stream is reopened on a closed client"
    with pytest.raises(ConnectError):
        list(client.subscribe(SESSION))
    assert len(fake.subscribes()) == 1


def test_a_closed_async_client_stops_its_subscriptions() -> None:
    fake = FakeServer(scripts=[[event(1), End("unavailable", "")], [event(2)]])

    async def run() -> ConnectError:
        client = AsyncParleyClient("http://parley.test", "tok", transport=fake, reconnect_backoff=FAST)
        async with client.subscribe(SESSION) as sub:
            try:
                async for _ in sub:
                    await client.close()
            except ConnectError as e:
                return e
        raise AssertionError("the subscription outlived its client")

    err = asyncio.run(run())
    assert err.code == Code.CANCELED
    assert len(fake.subscribes()) == 1
