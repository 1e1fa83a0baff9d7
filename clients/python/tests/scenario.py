"""End-to-end scenario of the Python SDK against a real Parley server.

Run by server/internal/app/python_sdk_test.go with the Python of a fresh
virtualenv where only the built wheel is installed, from a temporary working
directory, so it imports the installed package and nothing from the checkout.
It uses the SDK only through its public API, as a customer's backend would.

    python scenario.py sync|async

Environment: PARLEY_URL, PARLEY_TOKEN (all scopes), PARLEY_READER_TOKEN
(sessions:read only), PARLEY_UNKNOWN_TOKEN (well-formed, unknown to the
server), PARLEY_TRANSPORT (one of TRANSPORTS; connect-h1 when unset). It
prints one line and exits non-zero on the first failed check.
"""

from __future__ import annotations

import asyncio
import faulthandler
import gc
import os
import sys
from typing import Any

import pyqwest
from google.protobuf import struct_pb2

import parley
from parley import AsyncParleyClient, Code, ConnectError, ParleyClient, ProtocolType
from parley.session.v1 import session_pb2
from parley.workflow.v1 import graph_pb2, workflow_pb2

TEMPLATE = "Your {{ plan }} plan linked to order {{ order_id }}."
RENDERED = "Your pro plan linked to order 12345."
UNKNOWN_SESSION = "session_00000000-0000-4000-8000-000000000000"

# How the clients reach the server: the Connect protocol over the default
# transport (HTTP/1.1 for http://) or over cleartext HTTP/2 (a transport of
# the caller's), gRPC (HTTP/2), gRPC-Web.
TRANSPORTS = ("connect-h1", "connect-h2c", "grpc", "grpc-web")


def client_options(transport: str, asyncio_form: bool) -> dict[str, Any]:
    if transport == "connect-h1":
        return {}
    if transport == "connect-h2c":
        if asyncio_form:
            return {"transport": pyqwest.HTTPTransport(http_version=pyqwest.HTTPVersion.HTTP2)}
        return {"transport": pyqwest.SyncHTTPTransport(http_version=pyqwest.HTTPVersion.HTTP2)}
    if transport == "grpc":
        return {"protocol": ProtocolType.GRPC}
    if transport == "grpc-web":
        return {"protocol": ProtocolType.GRPC_WEB}
    raise ScenarioError(f"PARLEY_TRANSPORT={transport!r}, want one of {TRANSPORTS}")


class ScenarioError(AssertionError):
    pass


def check(ok: bool, what: str) -> None:
    if not ok:
        raise ScenarioError(what)


def graph() -> graph_pb2.Graph:
    """programmatic trigger -> send message -> end, built as a user would."""
    return graph_pb2.Graph(
        nodes=[
            graph_pb2.Node(
                id="start", position=graph_pb2.Position(x=0, y=0), programmatic=graph_pb2.ProgrammaticTrigger()
            ),
            graph_pb2.Node(
                id="confirm",
                position=graph_pb2.Position(x=0, y=150),
                send_message=graph_pb2.SendMessageAction(text=TEMPLATE),
            ),
            graph_pb2.Node(id="done", position=graph_pb2.Position(x=0, y=300), end=graph_pb2.EndNode()),
        ],
        edges=[
            graph_pb2.Edge(from_node="start", to_node="confirm"),
            graph_pb2.Edge(from_node="confirm", from_port="next", to_node="done"),
        ],
    )


def nested_variables() -> struct_pb2.Struct:
    """A nested variable built by hand: parley.variables refuses it."""
    s = struct_pb2.Struct()
    s.fields["plan"].string_value = "pro"
    s.fields["meta"].struct_value.fields["a"].number_value = 1
    return s


def expect_code(e: BaseException, code: Code, what: str) -> ConnectError:
    check(isinstance(e, ConnectError), f"{what}: raised {type(e).__name__} {e!r}, want a ConnectError")
    assert isinstance(e, ConnectError)
    check(e.code == code, f"{what}: code {e.code.value} ({e.message}), want {code.value}")
    return e


def check_variables_refused() -> None:
    try:
        parley.variables({"plan": "pro", "meta": {"a": 1}})  # type: ignore[dict-item]
    except parley.VariableError as e:
        check(e.key == "meta" and "'meta'" in str(e), f"parley.variables named {e.key!r}: {e}")
    else:
        raise ScenarioError("parley.variables accepted a nested dict")


def check_event(ev: session_pb2.SessionEvent, session_id: str, last: int) -> int:
    check(
        ev.sequence > last and ev.session_id == session_id,
        f"event {ev.sequence} of {ev.session_id} after {last}",
    )
    return ev.sequence


def run_sync(env: dict[str, str]) -> str:
    url = env["PARLEY_URL"]
    opts = client_options(env["PARLEY_TRANSPORT"], asyncio_form=False)
    with ParleyClient(url, env["PARLEY_TOKEN"], user_agent="python-sdk-e2e/1", **opts) as c:
        session_id = c.sessions.create_session(
            session_pb2.CreateSessionRequest(channel=session_pb2.CHANNEL_API)
        ).session.id
        wf = c.workflows.create_workflow(
            workflow_pb2.CreateWorkflowRequest(name="Python SDK order confirmation (sync)", draft=graph())
        )
        workflow_id = wf.workflow.id
        c.workflows.publish_workflow(workflow_pb2.PublishWorkflowRequest(workflow_id=workflow_id))

        # Subscribe, and once the stream delivers (session_created, so it is
        # live) trigger the workflow; the rendered message arrives on it.
        vars = parley.variables({"plan": "pro", "order_id": 12345})
        run_id = ""
        last = 0
        bot: session_pb2.SessionEvent | None = None
        with c.subscribe(session_id) as sub:
            for ev in sub:
                last = check_event(ev, session_id, last)
                if not run_id:
                    run_id = c.workflows.trigger_workflow(
                        workflow_pb2.TriggerWorkflowRequest(
                            workflow_id=workflow_id, session_id=session_id, variables=vars
                        )
                    ).run_id
                if ev.actor == session_pb2.ACTOR_BOT and ev.WhichOneof("payload") == "message":
                    bot = ev
                    break
        check(bot is not None, f"subscription ended without the bot message (run {run_id!r})")
        assert bot is not None
        check(bot.message.text == RENDERED, f"bot message {bot.message.text!r}, want {RENDERED!r}")
        check(
            bot.cause_run_id == run_id and sub.error is None and sub.last_sequence == bot.sequence,
            f"bot message caused by {bot.cause_run_id!r} (run {run_id!r}); error {sub.error!r}; "
            f"last_sequence {sub.last_sequence} of {bot.sequence}",
        )

        # invalid_argument, with the field named.
        try:
            c.workflows.trigger_workflow(
                workflow_pb2.TriggerWorkflowRequest(
                    workflow_id=workflow_id, session_id=session_id, variables=nested_variables()
                )
            )
            raise ScenarioError("a nested variable was accepted")
        except ConnectError as e:
            expect_code(e, Code.INVALID_ARGUMENT, "nested variable")
            v = parley.field_violations(e)
            check("'meta'" in v.get("variables", ""), f"nested variable: violations {v}")
        check_variables_refused()
        try:
            c.sessions.get_session(session_pb2.GetSessionRequest(session_id="order-12345"))
            raise ScenarioError("a malformed session id was accepted")
        except ConnectError as e:
            expect_code(e, Code.INVALID_ARGUMENT, "bad session id")
            check(bool(parley.field_violations(e).get("session_id")), f"bad session id: {parley.field_violations(e)}")

        # A subscription the server refuses for good stops with that error
        # instead of retrying.
        def assert_stops(what: str, sub: parley.Subscription, code: Code) -> ConnectError:
            raised: list[BaseException] = []
            for _ in range(2):  # a second loop raises the same error at once
                try:
                    for ev in sub:
                        raise ScenarioError(f"{what}: delivered event {ev.sequence}")
                    raise ScenarioError(f"{what}: the loop ended without an error")
                except ConnectError as e:
                    raised.append(e)
            err = expect_code(raised[0], code, what)
            check(raised[1] is err and sub.error is err, f"{what}: second loop {raised[1]!r}, error {sub.error!r}")
            return err

        err = assert_stops("after_sequence past the end", c.subscribe(session_id, last + 1000), Code.INVALID_ARGUMENT)
        check(
            bool(parley.field_violations(err).get("after_sequence")),
            f"after_sequence past the end: violations {parley.field_violations(err)} of {err!r}",
        )
        assert_stops("unknown session", c.subscribe(UNKNOWN_SESSION), Code.NOT_FOUND)

    # A token with sessions:read only: reads the stream, may not trigger.
    with ParleyClient(url, env["PARLEY_READER_TOKEN"], **opts) as r:
        try:
            r.workflows.trigger_workflow(
                workflow_pb2.TriggerWorkflowRequest(workflow_id=workflow_id, session_id=session_id, variables=vars)
            )
            raise ScenarioError("a sessions:read token triggered a workflow")
        except ConnectError as e:
            expect_code(e, Code.PERMISSION_DENIED, "TriggerWorkflow with a sessions:read token")
        seen = False
        with r.subscribe(session_id, bot.sequence - 1) as rsub:
            for ev in rsub:
                check(
                    ev.sequence == bot.sequence and ev.message.text == RENDERED,
                    f"reader got event {ev.sequence} {ev}, want the bot message {bot.sequence}",
                )
                seen = True
                break
        check(seen, "reader subscription ended without the bot message")

    # An unknown token is refused on calls and stops a subscription.
    with ParleyClient(url, env["PARLEY_UNKNOWN_TOKEN"], **opts) as bad:
        try:
            bad.sessions.get_session(session_pb2.GetSessionRequest(session_id=session_id))
            raise ScenarioError("an unknown token read a session")
        except ConnectError as e:
            expect_code(e, Code.UNAUTHENTICATED, "GetSession with an unknown token")
        assert_stops("unknown token", bad.subscribe(session_id), Code.UNAUTHENTICATED)

    if "transport" in opts:
        opts["transport"].close()
    return f"bot message {bot.sequence} {bot.message.text!r} from run {run_id}"


async def run_async(env: dict[str, str]) -> str:
    url = env["PARLEY_URL"]
    opts = client_options(env["PARLEY_TRANSPORT"], asyncio_form=True)
    async with AsyncParleyClient(url, env["PARLEY_TOKEN"], user_agent="python-sdk-e2e/1", **opts) as c:
        session_id = (
            await c.sessions.create_session(session_pb2.CreateSessionRequest(channel=session_pb2.CHANNEL_API))
        ).session.id
        wf = await c.workflows.create_workflow(
            workflow_pb2.CreateWorkflowRequest(name="Python SDK order confirmation (async)", draft=graph())
        )
        workflow_id = wf.workflow.id
        await c.workflows.publish_workflow(workflow_pb2.PublishWorkflowRequest(workflow_id=workflow_id))

        vars = parley.variables({"plan": "pro", "order_id": 12345})
        run_id = ""
        last = 0
        bot: session_pb2.SessionEvent | None = None
        async with c.subscribe(session_id) as sub:
            async for ev in sub:
                last = check_event(ev, session_id, last)
                if not run_id:
                    run_id = (
                        await c.workflows.trigger_workflow(
                            workflow_pb2.TriggerWorkflowRequest(
                                workflow_id=workflow_id, session_id=session_id, variables=vars
                            )
                        )
                    ).run_id
                if ev.actor == session_pb2.ACTOR_BOT and ev.WhichOneof("payload") == "message":
                    bot = ev
                    break
        check(bot is not None, f"subscription ended without the bot message (run {run_id!r})")
        assert bot is not None
        check(bot.message.text == RENDERED, f"bot message {bot.message.text!r}, want {RENDERED!r}")
        check(
            bot.cause_run_id == run_id and sub.error is None and sub.last_sequence == bot.sequence,
            f"bot message caused by {bot.cause_run_id!r} (run {run_id!r}); error {sub.error!r}; "
            f"last_sequence {sub.last_sequence} of {bot.sequence}",
        )

        try:
            await c.workflows.trigger_workflow(
                workflow_pb2.TriggerWorkflowRequest(
                    workflow_id=workflow_id, session_id=session_id, variables=nested_variables()
                )
            )
            raise ScenarioError("a nested variable was accepted")
        except ConnectError as e:
            expect_code(e, Code.INVALID_ARGUMENT, "nested variable")
            v = parley.field_violations(e)
            check("'meta'" in v.get("variables", ""), f"nested variable: violations {v}")
        check_variables_refused()
        try:
            await c.sessions.get_session(session_pb2.GetSessionRequest(session_id="order-12345"))
            raise ScenarioError("a malformed session id was accepted")
        except ConnectError as e:
            expect_code(e, Code.INVALID_ARGUMENT, "bad session id")
            check(bool(parley.field_violations(e).get("session_id")), f"bad session id: {parley.field_violations(e)}")

        async def assert_stops(what: str, sub: parley.AsyncSubscription, code: Code) -> ConnectError:
            raised: list[BaseException] = []
            for _ in range(2):
                try:
                    async for ev in sub:
                        raise ScenarioError(f"{what}: delivered event {ev.sequence}")
                    raise ScenarioError(f"{what}: the loop ended without an error")
                except ConnectError as e:
                    raised.append(e)
            err = expect_code(raised[0], code, what)
            check(raised[1] is err and sub.error is err, f"{what}: second loop {raised[1]!r}, error {sub.error!r}")
            return err

        err = await assert_stops(
            "after_sequence past the end", c.subscribe(session_id, last + 1000), Code.INVALID_ARGUMENT
        )
        check(
            bool(parley.field_violations(err).get("after_sequence")),
            f"after_sequence past the end: violations {parley.field_violations(err)} of {err!r}",
        )
        await assert_stops("unknown session", c.subscribe(UNKNOWN_SESSION), Code.NOT_FOUND)

    async with AsyncParleyClient(url, env["PARLEY_READER_TOKEN"], **opts) as r:
        try:
            await r.workflows.trigger_workflow(
                workflow_pb2.TriggerWorkflowRequest(workflow_id=workflow_id, session_id=session_id, variables=vars)
            )
            raise ScenarioError("a sessions:read token triggered a workflow")
        except ConnectError as e:
            expect_code(e, Code.PERMISSION_DENIED, "TriggerWorkflow with a sessions:read token")
        seen = False
        async with r.subscribe(session_id, bot.sequence - 1) as rsub:
            async for ev in rsub:
                check(
                    ev.sequence == bot.sequence and ev.message.text == RENDERED,
                    f"reader got event {ev.sequence} {ev}, want the bot message {bot.sequence}",
                )
                seen = True
                break
        check(seen, "reader subscription ended without the bot message")

    async with AsyncParleyClient(url, env["PARLEY_UNKNOWN_TOKEN"], **opts) as bad:
        try:
            await bad.sessions.get_session(session_pb2.GetSessionRequest(session_id=session_id))
            raise ScenarioError("an unknown token read a session")
        except ConnectError as e:
            expect_code(e, Code.UNAUTHENTICATED, "GetSession with an unknown token")
        await assert_stops("unknown token", bad.subscribe(session_id), Code.UNAUTHENTICATED)

    if "transport" in opts:
        await opts["transport"].aclose()
    return f"bot message {bot.sequence} {bot.message.text!r} from run {run_id}"


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1] not in ("sync", "async"):
        sys.exit("usage: scenario.py sync|async")
    # A hung stream must not hang the caller: dump the stacks and exit.
    faulthandler.dump_traceback_later(120, exit=True)
    env = {k: os.environ[k] for k in ("PARLEY_URL", "PARLEY_TOKEN", "PARLEY_READER_TOKEN", "PARLEY_UNKNOWN_TOKEN")}
    env["PARLEY_TRANSPORT"] = os.environ.get("PARLEY_TRANSPORT") or "connect-h1"
    form = sys.argv[1]
    result = run_sync(env) if form == "sync" else asyncio.run(run_async(env))
    # Free what the run left in reference cycles (its async HTTP/2 responses
    # among them) while the interpreter is whole: freed during finalization
    # instead, pyqwest's native objects aborted the process after "ok" in 4
    # of 80 async connect-h2c runs; with this, 0 of 120.
    gc.collect()
    print(f"{form} {env['PARLEY_TRANSPORT']}: ok: {result} (parley {parley.__version__} from {parley.__file__})")


if __name__ == "__main__":
    main()
