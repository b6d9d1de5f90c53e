"""The answers a person may tap: which fit a conversation's state, and what a tap means."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.core.domain import Plan, ScheduledPayment
from bot.core.enums import ChoiceKind
from bot.dialogue.actions import HandOff, LogEvent, Reply
from bot.dialogue.choices import parse_choice, with_choices
from bot.dialogue.state import ConversationState


def plan(offer_id: str, installments: int) -> Plan:
    amount = Decimal("600.00") / installments
    payments = tuple(
        ScheduledPayment(n, date(2026, 11, 27 + n), amount) for n in range(1, installments + 1)
    )
    kind = "pay_in_full" if installments == 1 else "installments"
    return Plan(offer_id, kind, Decimal("600.00"), Decimal("600.00"), payments)


def choices_of(state: ConversationState, *actions: object) -> Reply:
    acts = actions or (Reply("greet"), Reply("offers"))
    result = with_choices(acts, state)  # type: ignore[arg-type]
    last = result[-1]
    assert isinstance(last, Reply)
    assert result[:-1] == acts[:-1]  # only the last reply gets answers
    return last


def test_identity_question_gets_identity_answers() -> None:
    reply = choices_of(ConversationState(phase="awaiting_identity"))
    assert reply.choices is not None
    assert reply.choices.kind == ChoiceKind.IDENTITY
    assert [(c.id, c.label) for c in reply.choices.items] == [
        ("identity:yes", "choice_identity_yes"),
        ("identity:no", "choice_identity_no"),
    ]


def test_plans_on_screen_become_numbered_options() -> None:
    state = ConversationState(phase="offers_presented", on_screen=(plan("full", 1), plan("3x", 3)))
    reply = choices_of(state)
    assert reply.choices is not None
    assert reply.choices.kind == ChoiceKind.OPTIONS
    assert [c.id for c in reply.choices.items] == ["options:1", "options:2"]
    assert [c.vars["plan"]["offer_id"] for c in reply.choices.items] == ["full", "3x"]
    assert all(c.detail == "choice_plan_detail" for c in reply.choices.items)


@pytest.mark.parametrize(
    "state",
    [
        ConversationState(phase="confirming_plan", pending_plan=plan("3x", 3)),
        ConversationState(phase="open", extra={"human_offered": True}),
    ],
)
def test_close_it_and_want_a_person_get_yes_no(state: ConversationState) -> None:
    reply = choices_of(state)
    assert reply.choices is not None
    assert reply.choices.kind == ChoiceKind.YES_NO
    assert [c.id for c in reply.choices.items] == ["yes_no:yes", "yes_no:no"]


def test_nothing_to_tap_when_nothing_is_asked_or_the_talk_ends() -> None:
    assert choices_of(ConversationState(phase="open")).choices is None
    handed = with_choices(
        (HandOff("request_human"), Reply("handoff_human")),
        ConversationState(phase="awaiting_identity"),
    )
    assert handed[-1] == Reply("handoff_human")
    assert with_choices((LogEvent("x"),), ConversationState(phase="awaiting_identity")) == (
        LogEvent("x"),
    )


@pytest.mark.parametrize(
    ("payload", "intent", "option"),
    [
        ("identity:yes", "affirm", None),
        ("identity:no", "deny", None),
        ("yes_no:yes", "affirm", None),
        ("yes_no:no", "deny", None),
        ("options:2", "choose_option", 2),
    ],
)
def test_a_tap_is_read_with_confidence_one(payload: str, intent: str, option: int | None) -> None:
    parse = parse_choice(payload, "2. 3x de R$ 200,00", "pt")
    assert parse is not None
    assert (parse.intent, parse.confidence, parse.value("option")) == (intent, 1.0, option)


@pytest.mark.parametrize(
    "payload", [None, "", "offer:3x", "options:0", "options:abc", "options:100", "yes_no:maybe"]
)
def test_payloads_not_ours_go_to_the_nlu(payload: str | None) -> None:
    assert parse_choice(payload, "texto", "pt") is None
