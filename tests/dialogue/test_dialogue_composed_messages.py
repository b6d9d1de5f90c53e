"""Messages composed the way people write them (a part, a day, "e o resto", "por mês", "de
entrada", "em 3x"...), read by the real NLU and answered by the engine with the real offer
book: every one gets an answer and none raises.

Hand-built parses (``test_dialogue_properties``) never carry two days and "the rest" in one
message; this is what found "consigo pagar 300 dia 15 e o resto dia 30" sending the promise
rules and the plan rules to each other until the stack ran out (the debtor got no answer).
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any

import pytest
from dialogue_helpers import NOW, ROOT, Conversation, make_ctx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.dialogue.actions import Reply
from bot.dialogue.context import Reminder, UserTurn
from bot.dialogue.responses import ResponseBook
from bot.nlu.embedded import EmbeddedInterpreter
from bot.nlu.model import train_model
from bot.offers.book import OfferBook, load_offer_book

PT = {
    "amount": ["300", "R$ 150", "150 reais", "1000", "50,00", "uns 200"],
    "day": [
        "dia 15",
        "dia 30",
        "sexta",
        "amanhã",
        "hoje",
        "semana que vem",
        "mês que vem",
        "dia 5 de janeiro",
        "15/12",
        "no fim do mês",
    ],
    "lead": ["", "consigo pagar ", "posso pagar ", "pago ", "dá pra pagar ", "vou pagar "],
    "join": [" e o resto ", " e o restante ", " e mais ", " e a outra metade ", " e ", ", "],
    "tail": [
        "",
        "?",
        " blz?",
        " pode ser?",
        " por mês",
        " de entrada",
        " em 3x",
        " a cada 15 dias",
        " por semana",
        " à vista",
    ],
}
EN = {
    "amount": ["300", "$150", "150 reais", "1000", "50", "about 200"],
    "day": [
        "on the 15th",
        "on the 30th",
        "friday",
        "tomorrow",
        "today",
        "next week",
        "next month",
        "on january 5",
        "12/15",
        "at the end of the month",
    ],
    "lead": ["", "I can pay ", "can I pay ", "I'll pay ", "I can do "],
    "join": [
        " and the rest ",
        " and the remainder ",
        " and another ",
        " and the other half ",
        " and ",
        ", ",
    ],
    "tail": [
        "",
        "?",
        " ok?",
        " is that ok?",
        " a month",
        " down",
        " in 3 installments",
        " every two weeks",
        " a week",
        " in full",
    ],
}


@st.composite
def messages(draw: Any, words: dict[str, list[str]]) -> str:
    pick = lambda key: draw(st.sampled_from(words[key]))  # noqa: E731
    first = pick("lead") + pick("amount") + " " + pick("day")
    second = draw(
        st.sampled_from(
            ["", pick("join") + pick("day"), pick("join") + pick("amount") + " " + pick("day")]
        )
    )
    return first + second + pick("tail")


# plain caches, not fixtures: hypothesis would print a fixture's whole value with a failure
@functools.cache
def _interpreter() -> EmbeddedInterpreter:
    return EmbeddedInterpreter(
        train_model(ROOT / "nlu_data"), timezone="America/Sao_Paulo", default_language="pt"
    )


@functools.cache
def _offer_book() -> OfferBook:
    return load_offer_book(ROOT / "offers" / "default.yml")


@functools.cache
def _responses() -> ResponseBook:
    return ResponseBook.load(ROOT / "dialogues", strict=True)


def _answer_each(language: str, texts: list[str]) -> None:
    offer_book, interpreter = _offer_book(), _interpreter()
    ctx = make_ctx(offers=offer_book, language=language)
    ctx = replace(ctx, balance=offer_book.balance(ctx.debts, ctx.today))
    c = Conversation(ctx, _responses())
    c.send(Reminder("overdue"))
    for text in texts:
        parse = interpreter.parse(text, NOW, language=language)
        held = c.state.phase == "with_agent"  # a person holds the chat: the bot is silent
        decision = c.send(UserTurn(parse))  # renders every reply; a RecursionError fails here
        assert held or any(isinstance(a, Reply) for a in decision.actions), text


SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(st.lists(messages(PT), min_size=1, max_size=3))
def test_portuguese_messages_are_answered(texts: list[str]) -> None:
    _answer_each("pt", texts)


@SLOW
@given(st.lists(messages(EN), min_size=1, max_size=3))
def test_english_messages_are_answered(texts: list[str]) -> None:
    _answer_each("en", texts)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pt", "consigo pagar 300 dia 15 e o resto dia 30"),
        ("pt", "pago 300 sexta e o resto dia 5 de janeiro"),
        ("en", "I can do 300 on the 15th and the rest on the 30th"),
    ],
)
def test_a_part_and_the_rest_past_the_promise_limit_is_answered(language: str, text: str) -> None:
    _answer_each(language, [text])
