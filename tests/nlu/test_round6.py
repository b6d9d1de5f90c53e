"""Misreadings found in round 6 of real chats, read at the NLU (the scripts rw_*_32x-34x
check what the dialogue then does)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.nlu.embedded import EmbeddedInterpreter
from bot.nlu.normalize import fold
from bot.nlu.rules import NOT_PAID, forced_intent
from bot.nlu.topics import extract_topics

NOW = datetime.fromisoformat("2026-11-23T10:00:00-03:00")  # a Monday


@pytest.mark.parametrize(
    "text",
    ["ja paguei na loja", "mas eu ja paguei na loja semana passada", "paguei na loterica"],
)
def test_paid_at_a_place_is_no_paguei_nao(text: str) -> None:
    assert NOT_PAID.search(fold(text)) is None


@pytest.mark.parametrize("text", ["paguei na", "paguei nao, esqueci", "paguei na."])
def test_paguei_na_typed_for_nao_is_still_not_paid(text: str) -> None:
    assert NOT_PAID.search(fold(text)) is not None


@pytest.mark.parametrize(
    "text",
    [
        "pls dont text me while im at work",
        "dont call me before noon",
        "nao me manda mensagem no trabalho",
        "nao me liga de manha",
    ],
)
def test_when_to_write_is_no_opt_out(text: str) -> None:
    assert forced_intent(fold(text)) != "opt_out"


@pytest.mark.parametrize("text", ["dont text me", "nao me manda mais msg", "stop texting me"])
def test_stop_requests_stay_opt_outs(text: str) -> None:
    assert forced_intent(fold(text)) == "opt_out"


def test_when_to_write_reads_as_a_callback(interpreter: EmbeddedInterpreter) -> None:
    parse = interpreter.parse("pls dont text me while im at work, text me after 6", NOW)
    assert parse.intent == "callback_later"
    assert all(c.intent != "opt_out" for c in parse.clauses)


@pytest.mark.parametrize(
    "text", ["can u send the pix again? i lost it", "perdi, manda o pix de novo"]
)
def test_a_lost_code_beside_a_pix_request_is_no_hardship(
    interpreter: EmbeddedInterpreter, text: str
) -> None:
    parse = interpreter.parse(text, NOW)
    assert parse.intent == "ask_payment_method"
    assert all(c.intent != "cannot_pay" for c in parse.clauses)


def test_lost_it_alone_is_still_read_by_the_classifier(
    interpreter: EmbeddedInterpreter,
) -> None:
    assert interpreter.parse("i lost my job", NOW).intent == "cannot_pay"


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("whats the address again?", "store_hours"),
        ("til what time are u open", "store_hours"),
        ("ate que horas vcs ficam abertos?", "store_hours"),
        ("tem zap da loja? quero confirmar", "business_identity"),
        ("what's the store's phone number", "business_identity"),
        ("how much do i owe exactly with the fees", "breakdown"),
        ("ok what can you do then", "options"),
    ],
)
def test_round6_question_topics(text: str, topic: str) -> None:
    assert topic in [s.value for s in extract_topics(fold(text))]


@pytest.mark.parametrize("text", ["bom dia! recebi a msg.", "got your message"])
def test_the_reminder_arrived_is_no_opt_out(interpreter: EmbeddedInterpreter, text: str) -> None:
    parse = interpreter.parse(text, NOW)
    assert all(c.intent != "opt_out" for c in parse.clauses)


def test_received_and_stop_is_still_an_opt_out(interpreter: EmbeddedInterpreter) -> None:
    assert interpreter.parse("recebi a msg, para de mandar", NOW).intent == "opt_out"


def test_a_deal_made_with_the_manager_is_a_store_agreement() -> None:
    text = "eu tinha combinado com o gerente de pagar em 3x, ele nao lancou?"
    assert "store_agreement" in [s.value for s in extract_topics(fold(text))]
