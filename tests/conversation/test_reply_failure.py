"""A text that cannot be rendered (an edit to dialogues/ left a variable it does not get)
must not leave the debtor without an answer or lose the message: the debtor is told a
person will answer, and the chat goes to a person."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import pytest
from sqlalchemy import select

from bot.dialogue.responses import ResponseBook
from bot.runtime.service import Runtime
from bot.store.tables import Conversation, DeadLetter, Event, Message
from tests.conversation.test_pipeline import inbound, sent
from tests.runtime.support import add_debtor

FALLBACK = "reply_unavailable"


def broken_book(book: ResponseBook, keep: set[str]) -> ResponseBook:
    """Every text but ``keep`` reads a variable no reply gets (``missing.amount`` raises,
    as an attribute of an undefined variable does in Jinja even when not strict)."""
    texts = {
        lang: {
            name: variants if name in keep or name.startswith("_") else ("{{ missing.amount }}",)
            for name, variants in names.items()
        }
        for lang, names in book.texts.items()
    }
    return dataclasses.replace(book, texts=texts, _compiled={}, codes={})


def break_texts(runtime: Runtime, keep: set[str]) -> None:
    runtime.deps = dataclasses.replace(
        runtime.deps, responses=broken_book(runtime.deps.responses, keep)
    )


async def test_a_reply_that_cannot_be_rendered_is_replaced_and_handed_to_a_person(
    make_runtime: Any, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = await make_runtime()
    add_debtor(runtime)
    break_texts(runtime, keep={FALLBACK})
    with caplog.at_level(logging.ERROR):
        assert await runtime.inbound.receive(inbound(runtime, "quanto eu devo?", pid="SM1"))
    await runtime.drain_outbox()

    texts = sent(runtime)
    assert len(texts) == 1, texts  # one answer, not one per broken text
    assert "pessoa" in texts[0]
    assert "missing" not in texts[0]

    def stored(session: Any) -> tuple[Any, ...]:
        conversation = session.scalars(select(Conversation)).one()
        message = session.scalars(select(Message).where(Message.direction == "in")).one()
        reasons = [
            e.data.get("reason")
            for e in session.scalars(select(Event).where(Event.kind == "handoff"))
        ]
        return conversation.status, conversation.handoff_reason, message.intent, reasons

    status, reason, intent, reasons = runtime.in_transaction(stored)
    assert status == "waiting_agent"
    assert reason == "reply_failed"
    assert reasons == ["reply_failed"]
    assert intent == "ask_debt_details"  # the debtor's message is kept, read
    # the log names the text that failed, for whoever edits dialogues/
    failed = [r for r in caplog.records if r.getMessage() == "reply.render_failed"]
    assert failed
    assert getattr(failed[0], "response", None)


async def test_without_even_the_fallback_the_message_is_kept_as_a_dead_letter(
    make_runtime: Any,
) -> None:
    """If the fallback text is broken too there is nothing safe to say: the turn fails as
    before, nothing of it is committed, and the message is kept for the managers."""
    runtime = await make_runtime()
    add_debtor(runtime)
    break_texts(runtime, keep=set())
    assert await runtime.inbound.receive(inbound(runtime, "quanto eu devo?", pid="SM1")) is False
    await runtime.drain_outbox()
    assert sent(runtime) == []

    def stored(session: Any) -> tuple[int, list[str]]:
        messages = len(session.scalars(select(Message)).all())
        return messages, [d.provider_id for d in session.scalars(select(DeadLetter))]

    assert runtime.in_transaction(stored) == (0, ["SM1"])
