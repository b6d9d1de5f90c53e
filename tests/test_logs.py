"""Structured log lines carry their extra fields."""

from __future__ import annotations

import json
import logging
from datetime import date
from decimal import Decimal

from bot.logs import JsonFormatter


def test_a_log_line_is_json_with_its_extras() -> None:
    record = logging.makeLogRecord(
        {"name": "bot.test", "levelname": "INFO", "msg": "message sent %s", "args": ("ok",)}
    )
    record.message_id = 42
    record.to = "+55119****0001"
    line = json.loads(JsonFormatter().format(record))
    assert line["event"] == "message sent ok"
    assert line["message_id"] == 42
    assert line["to"] == "+55119****0001"
    assert line["level"] == "INFO"


def test_any_extra_value_is_said_even_where_the_fast_encoder_declines() -> None:
    record = logging.makeLogRecord({"name": "bot.test", "levelname": "INFO", "msg": "seen"})
    record.at_day = date(2026, 12, 5)
    record.amount = Decimal("12.50")
    record.big = 10**30
    record.half_emoji = "\ud83d"  # as a channel's JSON escape can carry
    line = json.loads(JsonFormatter().format(record))
    assert line["at_day"] == "2026-12-05"
    assert line["amount"] == "12.50"
    assert line["big"] == 10**30
    assert line["half_emoji"] == "\ud83d"
