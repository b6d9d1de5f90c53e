"""Reminders, confirmed payments, agent hand-back."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from dialogue_helpers import replies

from bot.core.domain import PromiseView
from bot.dialogue.context import AgentReleased, PaymentConfirmed, Reminder
from bot.dialogue.names import REMINDER_TEMPLATES


@pytest.mark.parametrize("template", [*REMINDER_TEMPLATES, "something_new"])
@pytest.mark.parametrize("language", ["pt", "en"])
def test_every_reminder_names_the_business_and_how_to_stop(
    convo: Any, template: str, language: str
) -> None:
    c = convo(language=language)
    d = c.send(Reminder(template))
    name = f"reminder_{template}" if template in REMINDER_TEMPLATES else "reminder_generic"
    assert replies(d) == [name]
    assert "Loja Exemplo" in c.texts[-1]
    if template != "thank_you":
        assert ("SAIR" if language == "pt" else "STOP") in c.texts[-1]


def test_promise_day_reminder_says_today(convo: Any) -> None:
    promise = PromiseView(
        1,
        date(2026, 11, 23),
        Decimal("460.65"),
        "open",
        datetime.fromisoformat("2026-11-20T10:00:00-03:00"),
    )
    c = convo(promise=promise)
    c.send(Reminder("promise_day"))
    assert "hoje" in c.texts[-1].lower()
    assert "R$ 460,65" in c.texts[-1]


def test_second_reminder_does_not_repeat_the_full_introduction(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    c.send(Reminder("overdue"))
    assert "CNPJ" in c.texts[0]
    assert "CNPJ" not in c.texts[1]
    assert "Loja Exemplo" in c.texts[1]


def test_payment_confirmed_thanks(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.send(PaymentConfirmed(amount=Decimal("460.65"), settled_all=True))
    assert replies(d) == ["payment_thanks"]
    assert "R$ 460,65" in c.texts[-1]
    assert "obrigada" in c.texts[-1].lower()


def test_agent_released_with_a_promise_resumes_with_context(convo: Any) -> None:
    promise = PromiseView(
        1,
        date(2026, 11, 27),
        Decimal("100.00"),
        "open",
        datetime.fromisoformat("2026-11-20T10:00:00-03:00"),
    )
    c = convo(promise=promise)
    c.say("request_human")
    d = c.send(AgentReleased())
    assert d.state.phase == "open"
    assert d.state.handoff_reason is None
    assert "sexta-feira, 27/11" in c.texts[-1]


def test_reminder_after_wrong_person_is_silent(convo: Any) -> None:
    c = convo()
    c.say("wrong_person")
    assert c.send(Reminder("overdue")).actions == ()
    assert c.send(AgentReleased()).actions == ()
