"""parley.variables: plain dicts to the Struct of run variables."""

from __future__ import annotations

import datetime
import decimal
import enum
import math

import pytest
from google.protobuf import struct_pb2

import parley
from parley import VariableError, variables


class Plan(enum.StrEnum):
    PRO = "pro"


class Priority(enum.IntEnum):
    HIGH = 2


def as_dict(s: struct_pb2.Struct) -> dict[str, tuple[str, object]]:
    out: dict[str, tuple[str, object]] = {}
    for k, v in s.fields.items():
        kind = str(v.WhichOneof("kind"))
        out[k] = (kind, getattr(v, kind))
    return out


@pytest.mark.parametrize(
    ("given", "want"),
    [
        (None, {}),
        ({}, {}),
        (
            {"plan": "pro", "vip": True, "trial": False, "empty": ""},
            {
                "plan": ("string_value", "pro"),
                "vip": ("bool_value", True),
                "trial": ("bool_value", False),
                "empty": ("string_value", ""),
            },
        ),
        (
            {"order_id": 12345, "neg": -8, "zero": 0, "price": 19.99, "half": -0.5},
            {
                "order_id": ("number_value", 12345.0),
                "neg": ("number_value", -8.0),
                "zero": ("number_value", 0.0),
                "price": ("number_value", 19.99),
                "half": ("number_value", -0.5),
            },
        ),
        (
            {"plan": Plan.PRO, "priority": Priority.HIGH},
            {"plan": ("string_value", "pro"), "priority": ("number_value", 2.0)},
        ),
        (
            {"max": 2**53, "min": -(2**53)},
            {"max": ("number_value", float(2**53)), "min": ("number_value", float(-(2**53)))},
        ),
        ({"café": "crème"}, {"café": ("string_value", "crème")}),
    ],
)
def test_accepts_strings_numbers_and_booleans(given: dict[str, parley.Scalar] | None, want: dict[str, object]) -> None:
    got = variables(given)
    assert isinstance(got, struct_pb2.Struct)
    assert as_dict(got) == want
    # It goes over the wire as it is.
    assert struct_pb2.Struct.FromString(got.SerializeToString()) == got


def test_true_is_a_boolean_not_the_number_one() -> None:
    got = variables({"vip": True, "count": 1})
    assert got.fields["vip"].WhichOneof("kind") == "bool_value"
    assert got.fields["count"].WhichOneof("kind") == "number_value"


@pytest.mark.parametrize(
    ("given", "key", "message"),
    [
        ({"plan": "pro", "coupon": None}, "coupon", "is None"),
        ({"meta": {"a": 1}}, "meta", "is a dict"),
        ({"tags": ["a"]}, "tags", "is a list"),
        ({"pair": (1, 2)}, "pair", "is a tuple"),
        ({"raw": b"x"}, "raw", "is a bytes"),
        ({"price": decimal.Decimal("1.5")}, "price", "is a decimal.Decimal"),
        ({"when": datetime.date(2024, 1, 1)}, "when", "is a datetime.date"),
        ({"v": struct_pb2.Value(string_value="x")}, "v", "want a string, number or boolean"),
        ({"score": math.nan}, "score", "nan is not a finite number"),
        ({"score": -math.inf}, "score", "-inf is not a finite number"),
        ({"order_id": 2**53 + 1}, "order_id", "9007199254740993 does not fit"),
        ({"n": -(2**53) - 1}, "n", "-9007199254740993 does not fit"),
        ({"name": "caf\udce9"}, "name", "is not valid UTF-8"),
        ({"caf\udce9": "x"}, "caf\udce9", "the name is not valid UTF-8"),
        ({1: "x"}, 1, "the name is a int; want a string"),
        ({"b": [], "a": "ok", "c": None}, "b", "is a list"),  # first bad key in sorted order
    ],
)
def test_refuses_everything_else_naming_the_key(given: dict, key: object, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(VariableError) as e:
        variables(given)
    assert e.value.key == key
    assert message in str(e.value)
    assert repr(key) in str(e.value)
    assert isinstance(e.value, ValueError)


def test_refuses_a_non_mapping() -> None:
    with pytest.raises(TypeError):
        variables([("plan", "pro")])  # type: ignore[arg-type]
