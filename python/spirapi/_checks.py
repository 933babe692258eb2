"""Argument checks shared by the Python layer.

The binding converts arguments to C++ types, and pybind11 answers a value
that does not fit (a negative count, an int past 64 bits) with a TypeError
that lists the whole signature. These checks run first and say which
argument is wrong: InvalidTypeError (a TypeError too) for the wrong type,
InvalidArgumentError for a value out of range.
"""

from __future__ import annotations

from typing import Optional

from spirapi._errors import InvalidArgumentError, InvalidTypeError

_INT_MIN = -(2 ** 31)
_INT_MAX = 2 ** 31 - 1


def _integer(value: object, name: str) -> int:
    # bool is an int subclass, but True as a count is a mistake.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidTypeError(f"{name} must be an int, not {type(value).__name__}")
    return value


def uint64(value: object, name: str) -> int:
    """value as an int in 0 .. 2**64 - 1."""
    v = _integer(value, name)
    if not 0 <= v < 2 ** 64:
        raise InvalidArgumentError(f"{name} must be in 0 .. 2**64 - 1, not {v}")
    return v


def optional_uint64(value: object, name: str) -> Optional[int]:
    """None, or value as uint64 does."""
    return None if value is None else uint64(value, name)


def int64(value: object, name: str) -> int:
    """value as an int in -2**63 .. 2**63 - 1."""
    v = _integer(value, name)
    if not -(2 ** 63) <= v < 2 ** 63:
        raise InvalidArgumentError(f"{name} must be in -2**63 .. 2**63 - 1, not {v}")
    return v


def c_int(value: object, name: str) -> int:
    """value as an int that fits a C int (32 bits)."""
    v = _integer(value, name)
    if not _INT_MIN <= v <= _INT_MAX:
        raise InvalidArgumentError(f"{name} must be in {_INT_MIN} .. {_INT_MAX}, not {v}")
    return v


def number(value: object, name: str) -> float:
    """value (an int or a float) as a float; NaN is left to the binding."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidTypeError(f"{name} must be a number, not {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:  # an int past a double's range
        raise InvalidArgumentError(f"{name} is too large for a double: {value}") from None


def optional_number(value: object, name: str) -> Optional[float]:
    """None, or value as number does."""
    return None if value is None else number(value, name)


def text(value: object, name: str) -> str:
    """value, which must be a str."""
    if not isinstance(value, str):
        raise InvalidTypeError(f"{name} must be a str, not {type(value).__name__}")
    return value
