"""Plain Python dicts to the protobuf Struct of run variables and custom data."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TypeAlias

from google.protobuf import struct_pb2

__all__ = ["Scalar", "VariableError", "variables"]

Scalar: TypeAlias = str | int | float | bool
"""A value that run variables and custom data may hold."""

# The largest integer every smaller one of which a float64 (the only number
# type of a protobuf Struct) holds exactly: 2**53.
_MAX_EXACT_INTEGER = 1 << 53


class VariableError(ValueError):
    """A value (or a name) that run variables cannot hold.

    ``key`` is the offending variable's name, exactly as it was in the dict
    (it may not be a string when the name itself is the problem).
    """

    def __init__(self, key: object, problem: str) -> None:
        super().__init__(f"parley: variable {key!r}: {problem}")
        self.key = key


def variables(values: Mapping[str, Scalar] | None = None) -> struct_pb2.Struct:
    """Convert a plain dict into the Struct that run variables are sent as.

    Use it for ``TriggerWorkflowRequest.variables``,
    ``RunWorkflowRequest.variables`` and ``CreateSessionRequest.data``::

        TriggerWorkflowRequest(workflow_id=wid, session_id=sid,
                               variables=parley.variables({"plan": "pro", "order_id": 12345}))

    Names must be strings. Values must be ``str``, ``bool``, ``int`` or
    ``float`` (subclasses such as ``enum.StrEnum`` and ``enum.IntEnum``
    members included). Everything else (``None``, dicts, lists, tuples,
    ``Decimal``, ``datetime``...) raises :class:`VariableError` naming the
    key, as do strings that cannot be encoded as UTF-8 (lone surrogates),
    NaN and infinities, and integers beyond ±2**53, which a protobuf number
    (a float64) cannot hold exactly: send those as strings. ``True`` becomes
    a boolean, never the number 1. When several keys are wrong, the error
    names the first in sorted order.

    ``None`` or an empty dict gives an empty Struct.
    """
    out = struct_pb2.Struct()
    if values is None:
        return out
    if not isinstance(values, Mapping):
        raise TypeError(f"parley: variables must be a mapping of names to values, not {type(values).__name__}")
    for key in values:
        if not isinstance(key, str):
            raise VariableError(key, f"the name is a {type(key).__name__}; want a string")
        if not _is_utf8(key):
            raise VariableError(key, "the name is not valid UTF-8")
    for key in sorted(values):
        _set_scalar(out, key, values[key])
    return out


def _set_scalar(out: struct_pb2.Struct, key: str, value: object) -> None:
    # bool first: it is a subclass of int.
    if isinstance(value, bool):
        out.fields[key].bool_value = bool(value)
    elif isinstance(value, str):
        if not _is_utf8(value):
            raise VariableError(key, "is not valid UTF-8")
        out.fields[key].string_value = str(value)
    elif isinstance(value, int):
        n = int(value)
        if not -_MAX_EXACT_INTEGER <= n <= _MAX_EXACT_INTEGER:
            raise VariableError(key, f"{n} does not fit a protobuf number (float64) exactly; send it as a string")
        out.fields[key].number_value = float(n)
    elif isinstance(value, float):
        f = float(value)
        if not math.isfinite(f):
            raise VariableError(key, f"{f} is not a finite number")
        out.fields[key].number_value = f
    elif value is None:
        raise VariableError(key, "is None; want a string, number or boolean")
    else:
        t = type(value)
        name = t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
        raise VariableError(key, f"is a {name}; want a string, number or boolean")


def _is_utf8(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
