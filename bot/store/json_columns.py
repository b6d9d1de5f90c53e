"""How JSON columns are written and read: orjson, with the standard library's behaviour.

A turn writes its conversation's state, its message's entities and actions, and each
reply's buttons as JSON, and reads the state back: with the standard library that was
about 3 % of a turn's CPU under load, with orjson a tenth of it. Whatever orjson declines
(a lone surrogate from a channel's JSON, an integer beyond 64 bits) goes to the
standard library, so what was stored before is stored the same way now, and what it
refused (a datetime, a dataclass) is still refused. Two differences are kept: NaN and the
infinities are written as null (the standard library wrote ``NaN``, which is not JSON and
which PostgreSQL refuses), and an integer beyond 64 bits reads back as a float (no column
holds one: ids and counts are small, money is text).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = (
    orjson.OPT_NON_STR_KEYS  # {1: ...} becomes {"1": ...}, as json.dumps does
    | orjson.OPT_PASSTHROUGH_DATETIME  # json.dumps refuses these: so do we
    | orjson.OPT_PASSTHROUGH_DATACLASS
)


def dump_json(value: Any) -> str:
    try:
        return orjson.dumps(value, option=_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value)


def load_json(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except ValueError:  # orjson.JSONDecodeError is one
        return json.loads(text)
