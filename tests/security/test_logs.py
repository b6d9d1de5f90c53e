"""Item 12: no secret or personal data in any log line, at the default level or DEBUG.

The logs are captured exactly as ``quita serve`` writes them (``configure_logging``).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.channels.telegram import TelegramChannel
from bot.core.domain import OutboundMessage
from bot.logs import configure_logging, remember_secret
from bot.store.db import make_engine, upgrade
from tests.channels.standins import TelegramStandIn

TOKEN = "7012345678:AAHk3xQ9-realistic_Token_Value_abcdefg"
PHONE = "+5511987654321"
BODY = "meu cpf é 123.456.789-09 e quero pagar a dívida amanhã"


@pytest.fixture(params=[logging.INFO, logging.DEBUG], ids=["default", "debug"])
def captured(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    configure_logging(request.param, stream=stream)
    yield stream
    root.handlers[:], root.level = saved[0], saved[1]
    for name in ("httpx", "httpcore", "telegram", "twilio", "hpack", "urllib3"):
        logging.getLogger(name).setLevel(logging.NOTSET)


async def test_a_telegram_send_logs_no_token_and_no_text(captured: io.StringIO) -> None:
    api = TelegramStandIn(token=TOKEN)
    api.start()
    channel = TelegramChannel(TOKEN, base_url=api.base_url)
    try:
        await channel.send(OutboundMessage(channel="telegram", address="987654321", text=BODY))
        logging.getLogger("bot.channels").info(
            "called %s/bot%s/sendMessage", api.base_url, TOKEN
        )  # even a careless caller
    finally:
        await channel.stop()
        api.stop()
    assert len(api.sent()) == 1
    lines = captured.getvalue()
    assert "sendMessage" in lines  # the careless line is there, masked
    assert TOKEN not in lines
    assert TOKEN.split(":")[1] not in lines
    assert BODY not in lines


def test_secrets_from_the_settings_are_masked_wherever_they_appear(
    captured: io.StringIO,
) -> None:
    remember_secret("tw-auth-token-0f1e2d3c")
    log = logging.getLogger("bot.test")
    log.warning("signature with %s", "tw-auth-token-0f1e2d3c")
    log.warning("chat", extra={"to": PHONE, "cpf": "123.456.789-09"})
    log.warning("connect postgresql://quita:hunter2-db@db.internal/quita failed")
    lines = captured.getvalue()
    for secret in ("tw-auth-token-0f1e2d3c", PHONE, "123.456.789-09", "hunter2-db"):
        assert secret not in lines


@pytest.mark.postgres
def test_a_failing_database_statement_logs_no_phone_and_no_body(
    captured: io.StringIO, postgres_server_url: str
) -> None:
    engine = make_engine(postgres_server_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    log = logging.getLogger("bot.outbox.sender")
    statements = [
        (
            "INSERT INTO contacts (channel, address, opted_out, invalid) "
            "VALUES ('whatsapp', :address, false, false)",
            {"address": PHONE},
        ),
        (
            "INSERT INTO messages (conversation_id, direction, sender, channel, text) "
            "VALUES (1, 'in', 'debtor', 'whatsapp', :body)",
            {"body": BODY},
        ),
    ]
    failures: list[str] = []
    try:
        for sql, params in statements:
            try:
                with engine.begin() as conn:
                    conn.execute(text(sql), params)
            except IntegrityError as exc:  # logged the way the app logs a failure
                failures.append(str(exc))
                log.exception("storing failed")
                logging.getLogger("uvicorn.error").error(
                    "Exception in ASGI application", exc_info=exc
                )
    finally:
        engine.dispose()
    assert len(failures) == 2
    assert all("Failing row contains" in f for f in failures)  # PostgreSQL repeats the row
    lines = captured.getvalue()
    assert "storing failed" in lines
    assert "NotNullViolation" in lines  # the cause is still there
    assert PHONE not in lines
    assert PHONE[3:] not in lines
    assert BODY not in lines
    assert "123.456.789-09" not in lines


_PIECES = (
    "+5511987654321",
    "11987654321",
    "123.456.789-09",
    "bot123:ABC_def",
    "7012345678:AAHk3xQ9-realistic_Token_Value",
    "Bearer abcdefgh123",
    "BASIC Zm9vOmJhcg==",
    "postgresql://quita:s3cret@db/quita",
    "DETAIL: Failing row contains (1, x)",
    "[parameters: ('a', 1)]",
    "sent",
    " ",
    "\n",
    "12345",
    "*1234",
    "olá",
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=8), max_size=8))
def test_the_quick_look_redacts_exactly_as_every_pattern_does(parts: list[str]) -> None:
    """``redact`` skips its substitutions when one combined search finds nothing to
    redact: the result is always the one every substitution gives."""
    from bot.logs import _PATTERNS, _secrets, redact

    line = "".join(parts)
    expected = line
    for secret in sorted(_secrets, key=len, reverse=True):  # what other tests remembered
        expected = expected.replace(secret, "[redacted]")
    for pattern, replacement in _PATTERNS:
        expected = pattern.sub(replacement, expected)
    assert redact(line) == expected
