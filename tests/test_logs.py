"""Structured log lines carry their extra fields."""

from __future__ import annotations

import json
import logging

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
