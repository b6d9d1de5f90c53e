"""Opt-out, disputes, people, insults, silence while an agent holds the chat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from dialogue_helpers import of_type, replies

from bot.dialogue.actions import HandOff, OpenDispute, OptOut
from bot.dialogue.context import AgentReleased, PaymentConfirmed, Reminder


@pytest.mark.parametrize(
    "phase_setup",
    ["nothing", "reminder", "offers", "identity", "promise_day"],
)
def test_opt_out_works_in_any_state_and_confirms_once(convo: Any, phase_setup: str) -> None:
    c = convo(identity_check="confirm_name" if phase_setup == "identity" else "none")
    if phase_setup != "nothing":
        c.send(Reminder("overdue"))
    if phase_setup == "offers":
        c.say("negotiate")
    if phase_setup == "promise_day":
        c.say("promise_to_pay")
    d = c.say("opt_out", text="SAIR")
    assert of_type(d, OptOut) == [OptOut()]
    assert replies(d) == ["opt_out"]
    assert "Loja Exemplo" in c.texts[-1]
    assert d.state.opted_out
    again = c.say("opt_out", text="sair")
    assert of_type(again, OptOut)
    assert replies(again) == []
    # no more business-initiated messages, but the person can still talk to us
    assert c.send(Reminder("overdue")).actions == ()
    assert c.send(PaymentConfirmed(amount=c.ctx.balance.total)).actions == ()


def test_english_opt_out(convo: Any) -> None:
    c = convo(language="en")
    c.send(Reminder("overdue"))
    d = c.say("opt_out", text="unsubscribe me", lang="en")
    assert of_type(d, OptOut)
    assert "won't" in c.texts[-1]


def test_dispute_opens_a_dispute_and_hands_off(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("dispute", text="não fiz essa compra")
    assert of_type(d, OpenDispute) == [OpenDispute(("X-1",), "não fiz essa compra")]
    assert of_type(d, HandOff) == [HandOff("dispute")]
    assert replies(d) == ["dispute"]
    assert d.state.phase == "with_agent"
    assert "segunda a sexta" in c.texts[-1]


def test_request_human_says_when_agents_answer(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("request_human", text="quero falar com um atendente")
    assert of_type(d, HandOff) == [HandOff("request_human")]
    assert "das 9h às 18h" in c.texts[-1]


def test_silent_while_an_agent_holds_the_chat_then_resumes(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    c.say("negotiate")
    c.say("request_human")
    for intent in ("greet", "affirm", "out_of_scope", "promise_to_pay"):
        assert c.say(intent).actions == ()
    d = c.send(AgentReleased())
    assert replies(d) == ["agent_released"]
    assert d.state.phase == "offers_presented"
    assert "opções" in c.texts[-1]
    # and the options on screen still mean something
    assert replies(c.say("choose_option", option=1)) == ["plan_summary"]


def test_opt_out_is_honoured_even_with_an_agent(convo: Any) -> None:
    c = convo()
    c.say("request_human")
    assert of_type(c.say("opt_out"), OptOut)


def test_insult_calm_then_hand_off(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("insult", text="bando de ladrões")
    assert replies(d) == ["insult_calm"]
    assert not of_type(d, HandOff)
    d = c.say("insult")
    assert of_type(d, HandOff) == [HandOff("insult")]
    assert replies(d) == ["handoff_insult"]


def test_messages_never_threaten_or_shame(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    c.say("insult")
    c.say("cannot_pay")
    c.say("deny")
    c.say("callback_later")
    c.send(Reminder("promise_broken"))
    banned = ("spc", "serasa", "protesto", "justiça", "processo", "negativ", "vergonha")
    for text in c.texts:
        assert not any(word in text.lower() for word in banned), text


def test_callback_not_too_late(convo: Any) -> None:
    c = convo()
    d = c.say("callback_later")
    assert d.actions[1].at - c.ctx.now == timedelta(hours=3)  # type: ignore[union-attr]
