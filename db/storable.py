"""JSON from outside that PostgreSQL can store as sent, and text it can store in a column.

PostgreSQL refuses what Python's `json` accepts: ``\\u0000`` in text (``jsonb`` and ``text`` both), lone
UTF-16 surrogates (``"\\ud800"``, not encodable as UTF-8), ``NaN``/``Infinity`` (and ``1e400``, which
Python reads as infinity), and ``bigint`` columns take integers only up to 2⁶³ − 1. Deep nesting makes
`json.loads` itself raise `RecursionError`. Each of these, parsed leniently and stored, was a 500 after
authentication; here they are one `NotStorable` with a sentence, raised before anything is stored.
"""

from __future__ import annotations

import json
import math
from typing import Any

INT64_MAX = 2**63 - 1
MAX_DEPTH = 32  # Telegram's updates nest about 6 deep, the providers' events about 5


class NotStorable(ValueError):
    """The value cannot be stored as it is; the message says what is wrong, never the value."""


def check_text(value: str, *, what: str, max_chars: int | None = None) -> str:
    """``value`` when a text column can hold it (no NUL, valid Unicode, not longer than ``max_chars``)."""
    if "\x00" in value:
        raise NotStorable(f"{what} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise NotStorable(f"{what} is not valid Unicode") from err
    if max_chars is not None and len(value) > max_chars:
        raise NotStorable(f"{what} is longer than {max_chars} characters")
    return value


def _no_constants(name: str) -> Any:
    raise NotStorable(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NotStorable("a number is too large")
    return value


def _check(value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise NotStorable(f"the JSON nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        check_text(value, what="a text value")
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        return
    elif isinstance(value, int):
        if not -INT64_MAX <= value <= INT64_MAX:
            raise NotStorable("an integer is outside the 64-bit range")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, what="a key")
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)


def parse(body: bytes) -> Any:
    """The JSON document in ``body`` (UTF-8), or `NotStorable` when it is not one PostgreSQL can store."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise NotStorable("the body is not UTF-8") from err
    try:
        value = json.loads(text, parse_constant=_no_constants, parse_float=_finite)
    except RecursionError as err:
        raise NotStorable(f"the JSON nests deeper than {MAX_DEPTH} levels") from err
    except NotStorable:
        raise
    except ValueError as err:  # JSONDecodeError, and integers longer than Python's digit limit
        raise NotStorable("the body is not JSON") from err
    _check(value, 0)
    return value


def int64(value: object, *, what: str, minimum: int = -INT64_MAX) -> int:
    """``value`` when it is a JSON integer (not a bool, not a float) that a bigint column can hold."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= INT64_MAX:
        raise NotStorable(f"{what} must be an integer from {minimum} to {INT64_MAX}")
    return value
