"""Greetings and the not-understood ladder."""

from __future__ import annotations

from typing import Any

import pytest
from dialogue_helpers import of_type, replies

from bot.dialogue.actions import HandOff
from bot.dialogue.context import Reminder


@pytest.mark.parametrize("intent", ["greet", "thanks", "goodbye"])
def test_social_turns_are_short_and_polite(convo: Any, intent: str) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say(intent)
    assert replies(d) == [intent]
    assert len(c.texts[-1]) < 160


def test_not_understood_ladder(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("promise_to_pay", conf=0.3, text="blá")
    assert replies(d) == ["not_understood"]
    assert "•" in c.texts[-1]
    d = c.say("out_of_scope", text="vocês vendem geladeira?")
    assert replies(d) == ["not_understood_offer_human"]
    d = c.say("greet", conf=0.1)
    assert of_type(d, HandOff) == [HandOff("not_understood")]
    assert replies(d) == ["handoff_not_understood"]


def test_understood_turn_resets_the_streak(convo: Any) -> None:
    c = convo()
    c.say("out_of_scope")
    c.say("out_of_scope")
    c.say("greet")
    assert c.state.not_understood_streak == 0
    assert replies(c.say("out_of_scope")) == ["not_understood"]


def test_yes_after_offering_a_person_hands_off(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    c.say("out_of_scope")
    c.say("out_of_scope")
    d = c.say("affirm", text="sim")
    assert of_type(d, HandOff) == [HandOff("request_human")]


def test_not_understood_before_identity_discloses_nothing(convo: Any) -> None:
    c = convo(identity_check="confirm_name")
    c.send(Reminder("overdue"))
    c.say("out_of_scope")
    assert "Paula?" in c.texts[-1]
    assert "•" not in c.texts[-1]


def test_language_follows_the_person(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    c.say("ask_debt_details", lang="en", text="how much do I owe?")
    assert c.state.language == "en"
    assert "Here" in c.texts[-1]
    c.say("affirm", lang="pt", text="ok")  # too short to switch back
    assert c.state.language == "en"


@pytest.mark.parametrize(("lang", "text"), [("pt", "tudo bem?"), ("en", "how are you?")])
def test_how_are_you_is_answered_then_back_to_the_point(convo: Any, lang: str, text: str) -> None:
    c = convo(language=lang)
    c.send(Reminder("overdue"))
    d = c.say("greet", text=text, lang=lang)
    assert replies(d) == ["greet"]
    said = c.texts[-1]
    assert any(w in said for w in ("Tudo", "All good", "Doing well"))
    assert "?" in said  # and a question that leads back to the account


@pytest.mark.parametrize(
    ("text", "laughs"),
    [
        ("kkkkk", True),
        ("KKKK", True),
        ("rsrs", True),
        ("hahaha", True),
        ("hehehe!", True),
        ("ahahah", True),
        ("lol", True),
        ("😂😂", True),
        ("kkkkk ta bom, sexta entao", False),
        ("haha ok", False),
        ("rs", True),
        ("ok", False),
        ("", False),
    ],
)
def test_only_laughter(text: str, laughs: bool) -> None:
    from bot.dialogue.handlers_social import only_laughter

    assert only_laughter(text) is laughs


def test_laughter_alone_is_answered_lightly_and_keeps_the_streak(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("out_of_scope", text="blá")
    assert replies(d) == ["not_understood"]
    d = c.say("out_of_scope", text="kkkkk")
    assert replies(d) == ["laughter"]
    d = c.say("out_of_scope", text="vocês vendem geladeira?")
    assert replies(d) == ["not_understood_offer_human"]
