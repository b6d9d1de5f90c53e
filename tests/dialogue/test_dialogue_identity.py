"""First contact and identity: nothing about the debt before the person confirms."""

from __future__ import annotations

from typing import Any

from dialogue_helpers import of_type, replies

from bot.dialogue.actions import LogEvent, MarkContactInvalid, Reply
from bot.dialogue.context import Reminder


def test_first_reminder_introduces_business_assistant_cnpj_and_stop(convo: Any) -> None:
    c = convo()
    d = c.send(Reminder("overdue"))
    assert replies(d) == ["reminder_overdue"]
    text = c.texts[-1]
    assert "Quita" in text
    assert "Loja Exemplo" in text
    assert "12.345.678/0001-90" in text
    assert "SAIR" in text
    assert "R$ 460,65" in text
    assert d.state.introduced
    assert d.state.phase == "open"


def test_confirm_name_reminder_says_nothing_about_the_debt(convo: Any) -> None:
    c = convo(identity_check="confirm_name")
    d = c.send(Reminder("overdue"))
    assert replies(d) == ["reminder_confirm_name"]
    text = c.texts[-1]
    assert "Paula" in text
    assert "Loja Exemplo" in text
    assert "SAIR" in text
    for secret in ("450", "460", "Guarda-roupa", "R$"):
        assert secret not in text
    assert d.state.phase == "awaiting_identity"


def test_affirm_confirms_identity_then_tells_the_debt(convo: Any) -> None:
    c = convo(identity_check="confirm_name")
    c.send(Reminder("overdue"))
    d = c.say("affirm", text="sou eu")
    assert d.state.verified
    assert replies(d) == ["identity_confirmed"]
    assert LogEvent("identity_confirmed", {}) in d.actions
    assert "Guarda-roupa" in c.texts[-1]
    assert "R$ 460,65" in c.texts[-1]


def test_deny_is_treated_as_probable_wrong_person(convo: Any) -> None:
    c = convo(identity_check="confirm_name")
    c.send(Reminder("overdue"))
    d = c.say("deny", text="não")
    assert of_type(d, MarkContactInvalid)
    assert d.state.phase == "closed"
    assert "450" not in c.texts[-1]
    assert "Guarda" not in c.texts[-1]
    # never written to again
    assert c.send(Reminder("overdue")).actions == ()


def test_questions_before_confirmation_disclose_nothing(convo: Any) -> None:
    c = convo(identity_check="confirm_name")
    c.send(Reminder("overdue"))
    for intent in ("ask_debt_details", "ask_payment_method", "promise_to_pay", "dispute"):
        d = c.say(intent)
        assert replies(d) == ["identity_ask"], intent
        assert all(isinstance(a, Reply) for a in d.actions)
        assert "450" not in c.texts[-1]
    assert not c.state.verified


def test_inbound_first_message_gets_intro_then_identity_question(convo: Any) -> None:
    c = convo(identity_check="confirm_name")
    d = c.say("ask_debt_details", text="quanto eu devo?")
    assert replies(d) == ["intro", "identity_ask"]
    assert "Loja Exemplo" in c.texts[0]
    assert "12.345.678/0001-90" in c.texts[0]
    assert all("450" not in t for t in c.texts)


def test_who_is_it_as_the_first_message_introduces_once(convo: Any) -> None:
    """ "oi, quem é?" first: the answer says who writes; no second introduction above it."""
    c = convo(identity_check="confirm_name")
    d = c.say("ask_identity", text="oi quem é?")
    assert replies(d) == ["ask_identity"]
    assert "Loja Exemplo" in c.texts[0]
    assert "12.345.678/0001-90" in c.texts[0]
    assert c.state.introduced
    d = c.say("ask_debt_details", text="quanto eu devo?")
    assert "intro" not in replies(d)


def test_inbound_first_message_without_identity_check_answers(convo: Any) -> None:
    c = convo()
    d = c.say("ask_debt_details")
    assert replies(d) == ["intro", "debt_details"]
    assert "Guarda-roupa" in c.texts[-1]


def test_wrong_person_apologises_discloses_nothing_marks_invalid(convo: Any) -> None:
    c = convo(identity_check="confirm_name")
    c.send(Reminder("overdue"))
    d = c.say("wrong_person", text="esse numero nao é da Paula")
    assert of_type(d, MarkContactInvalid)
    assert replies(d) == ["wrong_person"]
    assert "450" not in c.texts[-1]
    assert "Guarda" not in c.texts[-1]
    assert d.state.phase == "closed"
    later = c.say("greet")
    assert replies(later) == ["closed"]


def test_ask_identity_says_who_on_whose_behalf_automated_and_how_to_stop(convo: Any) -> None:
    c = convo(identity_check="confirm_name")
    c.send(Reminder("overdue"))
    d = c.say("ask_identity", text="quem é?")
    assert replies(d) == ["ask_identity"]
    text = c.texts[-1]
    assert "Quita" in text
    assert "Loja Exemplo" in text
    assert "SAIR" in text
    assert "autom" in text.lower()
    assert "450" not in text


def test_english_ask_identity(convo: Any) -> None:
    c = convo(language="en")
    c.send(Reminder("overdue"))
    c.say("ask_identity", text="who is this? is this a bot?")
    text = c.texts[-1]
    assert "automated" in text
    assert "STOP" in text
    assert "Loja Exemplo" in text
