"""Reading the fields named by an invalid_argument error."""

from __future__ import annotations

import json

from connectrpc.errors import ConnectError

from buf.validate import validate_pb2

__all__ = ["field_violations"]

_VIOLATIONS_TYPE = "buf.validate.Violations"


def field_violations(error: BaseException | None) -> dict[str, str]:
    """Return the fields a request was refused for, each with the reason.

    For example ``{"session_id": "value does not match regex pattern ..."}``
    or ``{"variables": "variable 'meta' must be a string, number or
    boolean"}``. It reads the ``buf.validate.Violations`` detail that the
    server attaches to invalid_argument errors (from request validation or
    from its own checks)::

        try:
            client.sessions.get_session(GetSessionRequest(session_id="order-12345"))
        except ConnectError as e:
            if e.code == Code.INVALID_ARGUMENT:
                print(parley.field_violations(e))  # {"session_id": "..."}

    Field paths are dotted, with subscripts for list items and map entries:
    ``"visitor.email"``, ``"draft.nodes[2].label"``, ``'data["plan"]'``. A
    rule on a whole message is reported under ``""``. When one field has
    several violations, their messages are joined with ``"; "``.

    Returns an empty dict when ``error`` is None, is not a
    :class:`connectrpc.errors.ConnectError` (nor raised ``from`` one), or
    names no field.
    """
    ce = _connect_error(error)
    out: dict[str, str] = {}
    if ce is None:
        return out
    for detail in ce.details:
        if detail.type_name != _VIOLATIONS_TYPE:
            continue
        try:
            violations = validate_pb2.Violations.FromString(detail.message_bytes)
        except Exception:  # noqa: BLE001 - a malformed detail names no field
            continue
        for v in violations.violations:
            path = _field_path(v.field)
            msg = v.message or v.rule_id
            out[path] = f"{out[path]}; {msg}" if path in out else msg
    return out


def _connect_error(error: BaseException | None) -> ConnectError | None:
    seen = 0
    while error is not None and seen < 16:
        if isinstance(error, ConnectError):
            return error
        error = error.__cause__
        seen += 1
    return None


def _field_path(path: validate_pb2.FieldPath) -> str:
    parts: list[str] = []
    for e in path.elements:
        part = e.field_name
        which = e.WhichOneof("subscript")
        if which == "index":
            part += f"[{e.index}]"
        elif which == "bool_key":
            part += "[true]" if e.bool_key else "[false]"
        elif which == "int_key":
            part += f"[{e.int_key}]"
        elif which == "uint_key":
            part += f"[{e.uint_key}]"
        elif which == "string_key":
            part += f"[{json.dumps(e.string_key, ensure_ascii=False)}]"
        parts.append(part)
    return ".".join(parts)
