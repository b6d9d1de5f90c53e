"""Structured logs: one JSON object per line, with the ``extra`` fields of each record.

Callers log ids and masked addresses, never full phone numbers, CPFs or message bodies
(see ``bot.channels.masking``). As a second line of defence every record that reaches our
handlers is redacted: bot tokens in URLs (httpx logged ``.../bot<token>/sendMessage`` on
every call), the secrets in the settings, credentials in URLs, phone numbers and CPFs, and
PostgreSQL's ``DETAIL: Failing row contains (...)`` which repeats a whole row.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import IO, Any

import orjson

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

# Libraries that log request URLs (with the bot token in them) or payloads at INFO/DEBUG.
QUIET_LOGGERS = ("httpx", "httpcore", "telegram", "twilio", "hpack", "urllib3")
# uvicorn configures its own handlers after ours; a filter on the logger itself survives it.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"bot\d+:[A-Za-z0-9_-]+"), "bot[redacted]"),  # Telegram URLs
    (re.compile(r"\b\d{6,}:[A-Za-z0-9_-]{20,}"), "[redacted]"),  # a bare Telegram token
    (re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9+/=._~-]{8,}"), r"\1 [redacted]"),
    (re.compile(r"://[^/\s:@]+:[^/\s@]+@"), "://[redacted]@"),  # user:password@host
    (re.compile(r"DETAIL:[^\n]*"), "DETAIL: [hidden]"),  # PostgreSQL repeats the row
    (re.compile(r"\[parameters: [^\n]*\]"), "[parameters hidden]"),
    (re.compile(r"\b\d{3}\.\d{3}\.\d{3}-\d{2}\b"), "[cpf]"),
    (re.compile(r"(?<![\w*])\+?\d{10,15}(?![\w*])"), "[number]"),  # phones, CPFs, chat ids
)
# one pass that finds whether any pattern could match: most lines have nothing to redact,
# and running every pattern's substitution on each of a turn's lines was measurable
_ANY_PATTERN = re.compile(
    "|".join(
        f"(?i:{p.pattern.removeprefix('(?i)')})" if p.pattern.startswith("(?i)") else p.pattern
        for p, _ in _PATTERNS
    )
)
_secrets: set[str] = set()
_secrets_longest_first: list[str] = []


def remember_secret(value: str | None) -> None:
    """Mask this exact value in every log line from now on (tokens, keys from settings)."""
    if value and len(value) >= 6 and value not in _secrets:
        _secrets.add(value)
        _secrets_longest_first[:] = sorted(_secrets, key=len, reverse=True)


def redact(text: str) -> str:
    for secret in _secrets_longest_first:
        if secret in text:
            text = text.replace(secret, "[redacted]")
    if _ANY_PATTERN.search(text) is None:
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites the record in place: message, string extras and the traceback text."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["error"] = record.exc_text
        try:
            return orjson.dumps(entry, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
        except TypeError:  # a lone surrogate, an integer beyond 64 bits: said all the same
            return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: int = logging.INFO, *, stream: IO[str] | None = None) -> None:
    """JSON lines on stderr (or ``stream``) for the app, the workers and the CLI, redacted."""
    # what no line of ours shows, not worked out for each record (the logging HOWTO's
    # "Optimization"): the caller's file and line (a walk up the stack), thread, process
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
