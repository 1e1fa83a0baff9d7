"""parley.field_violations: the fields an invalid_argument error names, read
from an error as it comes over the wire."""

from __future__ import annotations

import asyncio
import json

import pytest
from fake import SESSION, FakeServer, error_json
from google.protobuf import any_pb2

import parley
from buf.validate import validate_pb2
from parley import AsyncParleyClient, Code, ConnectError, ParleyClient
from parley.session.v1 import session_pb2

E = validate_pb2.FieldPathElement


def violation(message: str, *elements: validate_pb2.FieldPathElement, rule_id: str = "") -> validate_pb2.Violation:
    return validate_pb2.Violation(
        field=validate_pb2.FieldPath(elements=list(elements)), message=message, rule_id=rule_id
    )


VIOLATIONS = validate_pb2.Violations(
    violations=[
        violation("does not match regex pattern", E(field_name="session_id")),
        violation("must be a valid email address", E(field_name="visitor"), E(field_name="email")),
        violation(
            "must be at most 200 characters",
            E(field_name="draft"),
            E(field_name="nodes", index=2),
            E(field_name="label"),
        ),
        violation("custom data key 'plan' is too long", E(field_name="data", string_key="plan")),
        violation("", E(field_name="flags", bool_key=True), rule_id="bool.const"),
        violation("a", E(field_name="counts", int_key=-3)),
        violation("b", E(field_name="counts", uint_key=7)),
        violation("whole message"),
        violation("second reason", E(field_name="session_id")),
    ]
)
WANT = {
    "session_id": "does not match regex pattern; second reason",
    "visitor.email": "must be a valid email address",
    "draft.nodes[2].label": "must be at most 200 characters",
    'data["plan"]': "custom data key 'plan' is too long",
    "flags[true]": "bool.const",
    "counts[-3]": "a",
    "counts[7]": "b",
    "": "whole message",
}


def refusing(*details: object) -> FakeServer:
    body = error_json("invalid_argument", "validation error", details)  # type: ignore[arg-type]
    return FakeServer(scripts=[[]], unary_status=400, unary_body=json.dumps(body).encode())


def test_field_violations_after_the_wire() -> None:
    # An unrelated detail first: it is skipped.
    other = any_pb2.Any(type_url="type.googleapis.com/google.protobuf.Any", value=b"")
    fake = refusing(other, VIOLATIONS)
    with ParleyClient("http://parley.test", "tok", transport=fake) as c:
        with pytest.raises(ConnectError) as e:
            c.sessions.get_session(session_pb2.GetSessionRequest(session_id="order-12345"))
    assert e.value.code == Code.INVALID_ARGUMENT
    assert parley.field_violations(e.value) == WANT


def test_field_violations_after_the_wire_async() -> None:
    fake = refusing(VIOLATIONS)

    async def run() -> ConnectError:
        async with AsyncParleyClient("http://parley.test", "tok", transport=fake) as c:
            try:
                await c.sessions.get_session(session_pb2.GetSessionRequest(session_id=SESSION))
            except ConnectError as e:
                return e
        raise AssertionError("no error")

    err = asyncio.run(run())
    assert err.code == Code.INVALID_ARGUMENT
    assert parley.field_violations(err) == WANT


def test_field_violations_of_errors_that_name_no_field() -> None:
    assert parley.field_violations(None) == {}
    assert parley.field_violations(ValueError("x")) == {}
    assert parley.field_violations(ConnectError(Code.INVALID_ARGUMENT, "no details")) == {}
    fake = refusing()
    with ParleyClient("http://parley.test", "tok", transport=fake) as c:
        with pytest.raises(ConnectError) as e:
            c.sessions.get_session(session_pb2.GetSessionRequest(session_id=SESSION))
    assert parley.field_violations(e.value) == {}


def test_field_violations_of_an_error_raised_from_a_connect_error() -> None:
    fake = refusing(VIOLATIONS)

    class AppError(Exception):
        pass

    with ParleyClient("http://parley.test", "tok", transport=fake) as c:
        try:
            try:
                c.sessions.get_session(session_pb2.GetSessionRequest(session_id=SESSION))
            except ConnectError as ce:
                raise AppError("could not load the session") from ce
        except AppError as e:
            assert parley.field_violations(e) == WANT
