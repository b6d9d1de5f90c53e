"""Actions and event data as JSON values for the log (Decimal and dates as strings).

A dataclass reached through lists and dicts only gets its ``type``; the dataclasses inside
it do not (the log has always been written so: it was ``asdict`` first, then a walk). The
walk below stops at the first dataclass and hands the rest to orjson, which writes
dataclasses, dates and nested containers in C: the walk in Python made a hundred calls per
turn, 2 % of a turn's CPU under load.
"""

from __future__ import annotations

from dataclasses import is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS  # {1: ...} becomes {"1": ...}, as str(key) did
# leaves returned as they are: checked by exact type, before any other test
_AS_IS: frozenset[type] = frozenset({str, int, float, bool, type(None)})


def to_jsonable(value: Any, typed: bool = True) -> Any:
    kind = type(value)
    if kind in _AS_IS:
        return value
    if is_dataclass(value) and not isinstance(value, type):
        plain = _through_orjson(value)
        return {"type": kind.__name__, **plain} if typed else plain
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, typed) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v, typed) for v in value]
    return _leaf(value)


def _through_orjson(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value, default=_leaf_or_refuse, option=_OPTIONS))


def _leaf(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, date):  # and datetime
        return value.isoformat()
    return value  # a str enum, or what the JSON column will refuse as before


def _leaf_or_refuse(value: Any) -> Any:
    """orjson's ``default``: what it cannot write itself (it writes dates, enums and
    dataclasses the way the walk did)."""
    if isinstance(value, Decimal | bytes):
        return _leaf(value)
    if isinstance(value, tuple | list | dict):  # a subclass orjson declines
        return to_jsonable(value, False)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
