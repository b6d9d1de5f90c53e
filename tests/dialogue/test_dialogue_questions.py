"""Questions answered from data: each topic in both languages, verified and not."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from dialogue_helpers import TODAY, make_parse, of_type, replies

from bot.core.domain import AgreementView, DebtView, PromiseView, ScheduledPayment
from bot.dialogue.actions import (
    HandOff,
    MarkContactInvalid,
    PauseReminders,
    PresentOffers,
    SendPaymentInfo,
)
from bot.dialogue.context import PaymentView, Reminder
from bot.dialogue.flows import FlowError, default_flows, parse_flows
from bot.dialogue.state import ConversationState

SHOP = {
    "business_address": "Rua das Flores, 123, Centro",
    "merchant_name": "LOJA EXEMPLO LTDA",
    "store_hours": {"pt": "seg a sáb, 9h às 18h", "en": "Mon to Sat, 9am to 6pm"},
    "store_payment_methods": ("cash", "card", "pix"),
    "credit_bureau_policy": {
        "pt": "Só registramos no SPC após 60 dias, sempre com aviso.",
        "en": "We only report to SPC after 60 days, always with notice.",
    },
    "verification_hint": {
        "pt": "Ligue no telefone da sua nota de compra.",
        "en": "Call the number on your purchase receipt.",
    },
}
DEBT_FACTS = ("450", "460", "Guarda-roupa")  # what an unverified person must never read
LANGS = ("pt", "en")


def ask(c: Any, topic: str, *, intent: str = "ask_debt_details", **entities: Any) -> Any:
    return c.say(intent, text=f"question about {topic}", topic=topic, **entities)


def unverified(convo: Any, lang: str, **kwargs: Any) -> Any:
    c = convo(language=lang, identity_check="confirm_name", **{**SHOP, **kwargs})
    c.send(Reminder("overdue"))
    return c


def verified(convo: Any, lang: str, **kwargs: Any) -> Any:
    c = convo(language=lang, **{**SHOP, **kwargs})
    c.send(Reminder("overdue"))
    return c


# --- answers for a verified person ---------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_options_show_the_offers(convo: Any, lang: str) -> None:
    c = verified(convo, lang)
    d = ask(c, "options", intent="not_understood")
    assert replies(d) == ["offers"]
    assert of_type(d, PresentOffers)
    assert c.state.phase == "offers_presented"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("pt", ["R$ 450,00", "R$ 9,00", "R$ 1,65", "R$ 460,65", "11 dias"]),
        ("en", ["R$450.00", "R$9.00", "R$1.65", "R$460.65", "11 days"]),
    ],
)
def test_breakdown_in_words(convo: Any, lang: str, expected: list[str]) -> None:
    c = verified(convo, lang)
    d = ask(c, "breakdown")
    assert replies(d) == ["answer_breakdown"]
    for part in expected:
        assert part in c.texts[-1]
    assert "$" not in c.texts[-1].replace("R$", "")


@pytest.mark.parametrize(("lang", "due"), [("pt", "12/11/2026"), ("en", "Nov 12, 2026")])
def test_charge_origin_names_the_purchase_and_the_dispute_path(
    convo: Any, lang: str, due: str
) -> None:
    c = verified(convo, lang)
    ask(c, "charge_origin")
    text = c.texts[-1]
    assert "Guarda-roupa" in text
    assert due in text
    assert ("reconhece" if lang == "pt" else "recognise") in text


@pytest.mark.parametrize("lang", LANGS)
def test_business_identity_gives_the_shop_and_the_purchase(convo: Any, lang: str) -> None:
    c = verified(convo, lang)
    ask(c, "business_identity", intent="ask_identity")
    text = c.texts[-1]
    assert "12.345.678/0001-90" in text
    assert "Rua das Flores" in text
    assert "Guarda-roupa" in text


@pytest.mark.parametrize("lang", LANGS)
def test_scam_check_gives_the_shop_facts_and_the_pix_beneficiary(convo: Any, lang: str) -> None:
    c = verified(convo, lang)
    d = ask(c, "scam", intent="not_understood")
    text = c.texts[-1]
    assert replies(d) == ["answer_scam"]
    for part in ("12.345.678/0001-90", "(11) 4000-1234", "Rua das Flores", "LOJA EXEMPLO LTDA"):
        assert part in text
    assert SHOP["verification_hint"][lang] in text  # type: ignore[index]
    assert not of_type(d, HandOff)


@pytest.mark.parametrize("lang", LANGS)
def test_status_when_everything_is_paid(convo: Any, lang: str) -> None:
    paid = DebtView(1, "X-1", "Guarda-roupa", Decimal("450.00"), date(2026, 11, 12), status="paid")
    c = verified(convo, lang, debts=(paid,))
    c.ctx = type(c.ctx)(**{**c.ctx.__dict__, "payments": (PaymentView(Decimal("460.65"), TODAY),)})
    ask(c, "status", intent="already_paid")
    text = c.texts[-1]
    assert ("nada em aberto" if lang == "pt" else "nothing outstanding") in text
    assert ("R$ 460,65" if lang == "pt" else "R$460.65") in text


def three_x_agreement(*, paid: tuple[int, ...]) -> AgreementView:
    """An active agreement of 2 x R$ 150,00 (due 01/12 and 02/12) out of R$ 450,00."""
    return AgreementView(
        id=1,
        offer_id="three_x",
        total=Decimal("450.00"),
        status="active",
        payments=tuple(ScheduledPayment(i, date(2026, 12, i), Decimal("150.00")) for i in (1, 2)),
        paid_numbers=paid,
    )


def test_status_with_an_agreement_names_the_next_installment(convo: Any) -> None:
    agreement = three_x_agreement(paid=(1,))
    in_agreement = DebtView(
        1, "X-1", "Guarda-roupa", Decimal("450.00"), date(2026, 11, 12), status="in_agreement"
    )
    c = verified(convo, "pt", agreement=agreement, debts=(in_agreement,))
    ask(c, "status")
    assert "R$ 150,00" in c.texts[-1]
    assert "02/12/2026" in c.texts[-1]
    ask(c, "plan_total")
    assert "R$ 450,00" in c.texts[-1]
    assert "R$ 300,00" in c.texts[-1]  # left of the agreement


@pytest.mark.parametrize("lang", LANGS)
def test_credit_bureau_policy_from_config(convo: Any, lang: str) -> None:
    c = verified(convo, lang)
    d = ask(c, "credit_bureau", intent="not_understood")
    assert SHOP["credit_bureau_policy"][lang] in c.texts[-1]  # type: ignore[index]
    assert not of_type(d, HandOff)


def test_credit_bureau_without_a_policy_goes_to_a_person(convo: Any) -> None:
    c = verified(convo, "pt", credit_bureau_policy={})
    d = ask(c, "credit_bureau", intent="not_understood")
    assert replies(d) == ["answer_by_person"]
    assert of_type(d, HandOff) == [HandOff("question")]
    assert "pessoa do" in c.texts[-1]


@pytest.mark.parametrize(("lang", "day"), [("pt", "12/11/2026"), ("en", "Nov 12, 2026")])
def test_deadline_gives_the_due_date_and_the_last_promise_day(
    convo: Any, lang: str, day: str
) -> None:
    c = verified(convo, lang)
    ask(c, "deadline", intent="not_understood")
    assert day in c.texts[-1]
    assert ("03/12" if lang == "pt" else "Dec 3") in c.texts[-1]  # today + 10 days
    assert c.state.phase == "awaiting_promise_date"


def test_deadline_with_a_promise_repeats_the_promise(convo: Any) -> None:
    promise = PromiseView(1, date(2026, 11, 27), Decimal("100.00"), "open", TODAY)  # type: ignore[arg-type]
    c = verified(convo, "pt", promise=promise)
    ask(c, "deadline")
    assert "sexta-feira, 27/11" in c.texts[-1]


@pytest.mark.parametrize("lang", LANGS)
def test_pay_at_store_is_a_first_class_answer(convo: Any, lang: str) -> None:
    c = verified(convo, lang)
    d = ask(c, "pay_at_store", intent="ask_payment_method")
    text = c.texts[-1]
    assert replies(d) == ["answer_pay_at_store"]
    assert "Rua das Flores" in text
    assert SHOP["store_hours"][lang] in text  # type: ignore[index]
    assert ("dinheiro" if lang == "pt" else "cash") in text
    assert ("R$ 460,65" if lang == "pt" else "R$460.65") in text
    assert not of_type(d, SendPaymentInfo)


def test_pay_at_store_without_an_address_goes_to_a_person(convo: Any) -> None:
    c = verified(convo, "pt", business_address="")
    d = ask(c, "pay_at_store", intent="ask_payment_method")
    assert of_type(d, HandOff) == [HandOff("question")]


def test_card_is_not_sent_to_the_counter(convo: Any) -> None:
    c = verified(convo, "pt")
    d = c.say("ask_payment_method", text="posso pagar no cartão?", payment_method="card")
    assert replies(d) == ["payment_info"]


def test_cash_at_the_counter_is_answered_with_the_store(convo: Any) -> None:
    c = verified(convo, "pt")
    d = c.say("ask_payment_method", text="posso pagar em dinheiro?", payment_method="cash")
    assert replies(d) == ["answer_pay_at_store"]
    assert not of_type(d, SendPaymentInfo)


def test_boleto_is_not_the_counter(convo: Any) -> None:
    c = verified(convo, "pt")
    d = c.say("ask_payment_method", text="manda o boleto", payment_method="boleto")
    assert replies(d) == ["payment_info"]


@pytest.mark.parametrize("lang", LANGS)
def test_discount_shows_the_offers_with_the_price_in_full(convo: Any, lang: str) -> None:
    c = verified(convo, lang)
    d = ask(c, "discount", intent="ask_debt_details")
    assert replies(d) == ["offers"]
    assert ("R$ 450,00" if lang == "pt" else "R$450.00") in c.texts[-1]
    assert c.state.phase == "offers_presented"


def test_plan_total_lists_each_option_on_screen(convo: Any) -> None:
    c = verified(convo, "pt")
    c.say("deny", text="não consigo")  # offers on screen
    ask(c, "plan_total", intent="negotiate")
    assert "1) " in c.texts[-1]
    assert "R$ 450,00" in c.texts[-1]
    assert "3x de R$ 150,00" in c.texts[-1]


@pytest.mark.parametrize("lang", LANGS)
def test_other_question_is_honest_then_a_person(convo: Any, lang: str) -> None:
    c = verified(convo, lang)
    d = ask(c, "other_question", intent="not_understood")
    assert replies(d) == ["answer_other_question"]
    assert ("pessoa" if lang == "pt" else "person") in c.texts[-1]
    assert not of_type(d, HandOff)
    ask(c, "other_question", intent="not_understood")
    d = ask(c, "other_question", intent="not_understood")
    assert of_type(d, HandOff) == [HandOff("not_understood")]


# --- partial payments ----------------------------------------------------------------------


def partly_paid(convo: Any, lang: str, *, paid_on: date | None = date(2026, 10, 20)) -> Any:
    debt = DebtView(
        1, "X-1", "Guarda-roupa", Decimal("450.00"), date(2026, 11, 12), paid=Decimal("200.00")
    )
    c = verified(convo, lang, debts=(debt,))
    payments = (PaymentView(Decimal("200.00"), paid_on, "X-1"),) if paid_on else ()
    c.ctx = type(c.ctx)(**{**c.ctx.__dict__, "payments": payments})
    return c


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("pt", ["R$ 200,00", "20/10/2026", "R$ 450,00", "R$ 460,65"]),
        ("en", ["R$200.00", "Oct 20, 2026", "R$450.00", "R$460.65"]),
    ],
)
def test_partial_payment_shows_received_and_left(
    convo: Any, lang: str, expected: list[str]
) -> None:
    c = partly_paid(convo, lang)
    d = c.say(
        "already_paid",
        text="já paguei 200 mês passado, pq ta cobrando tudo?",
        topic="partial_payment",
        amount="200.00",
    )
    assert replies(d) == ["answer_partial_payment"]
    for part in expected:
        assert part in c.texts[-1]
    assert "Que ótimo" not in c.texts[-1]
    assert not of_type(d, PauseReminders)


def test_a_payment_not_on_record_asks_for_the_receipt(convo: Any) -> None:
    c = verified(convo, "pt")
    d = c.say(
        "already_paid", text="paguei 300 semana passada", topic="partial_payment", amount="300.00"
    )
    assert "R$ 300,00" in c.texts[-1]
    assert "comprovante" in c.texts[-1]
    assert "Que ótimo" not in c.texts[-1]
    assert of_type(d, PauseReminders)
    assert c.state.awaiting_receipt


def test_money_paid_to_a_salesperson_goes_to_a_person(convo: Any) -> None:
    c = verified(convo, "pt")
    d = c.say("already_paid", text="paguei no pix do vendedor", topic="paid_to_person")
    assert of_type(d, HandOff) == [HandOff("paid_to_person")]
    assert "LOJA EXEMPLO LTDA" in c.texts[-1]
    assert c.state.phase == "with_agent"


# --- before identity is confirmed ----------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "topic",
    [
        "options",
        "breakdown",
        "charge_origin",
        "status",
        "credit_bureau",
        "deadline",
        "discount",
        "plan_total",
        "partial_payment",
    ],
)
def test_debt_topics_ask_for_identity_first(convo: Any, lang: str, topic: str) -> None:
    c = unverified(convo, lang)
    d = ask(c, topic)
    assert replies(d) == ["answer_needs_identity"]
    assert c.state.phase == "awaiting_identity"
    assert not any(fact in c.texts[-1] for fact in DEBT_FACTS)
    assert not of_type(d, PresentOffers)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("topic", ["business_identity", "number_source", "scam", "pay_at_store"])
def test_safe_topics_are_answered_then_the_name_is_asked(
    convo: Any, lang: str, topic: str
) -> None:
    c = unverified(convo, lang)
    d = ask(c, topic, intent="ask_identity")
    text = c.texts[-1]
    assert replies(d) == [f"answer_{topic}"]
    assert not any(fact in text for fact in DEBT_FACTS)
    assert c.ctx.debtor.first_name in text  # "falo com Paula?"
    assert not c.state.verified


def test_scam_question_before_identity_keeps_no_offence(convo: Any) -> None:
    c = unverified(convo, "pt")
    c.say("insult", text="isso é golpe, seus ladrões", topic="scam")
    assert "Faz muito bem" in c.texts[-1] or "desconfiar" in c.texts[-1]
    assert c.state.insult_count == 0


# --- how to pay without PIX ----------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_no_pix_never_gets_a_pix(convo: Any, lang: str) -> None:
    c = verified(convo, lang)
    d = c.say("ask_payment_method", text="nao tenho pix", no_payment_method="pix")
    assert replies(d) == ["answer_without_method"]
    assert not of_type(d, SendPaymentInfo)
    assert "PIX" not in c.texts[-1]
    assert "Rua das Flores" in c.texts[-1]


def test_no_pix_and_no_counter_goes_to_a_person(convo: Any) -> None:
    c = verified(convo, "pt", store_payment_methods=())
    d = c.say("cannot_pay", text="não tenho pix", no_payment_method="pix")
    assert of_type(d, HandOff) == [HandOff("payment_method")]


def test_no_pix_with_a_payment_link_sends_the_link(convo: Any) -> None:
    c = verified(convo, "pt", remote_payment_methods=("pix", "link"))
    d = c.say("ask_payment_method", text="não tenho pix", no_payment_method="pix")
    assert [a.method for a in of_type(d, SendPaymentInfo)] == ["link"]  # type: ignore[attr-defined]


# --- a relative answers --------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "intent"), [("pt", "wrong_person"), ("en", "affirm")])
def test_a_relative_gets_nothing_about_the_debt(convo: Any, lang: str, intent: str) -> None:
    c = unverified(convo, lang)
    d = c.say(intent, text="sou a mãe dele", relative="mother")
    assert replies(d) == ["relative_answered"]
    assert of_type(d, MarkContactInvalid)
    assert not c.state.verified
    text = c.texts[-1]
    assert not any(fact in text for fact in DEBT_FACTS)
    assert "(11) 4000-1234" in text
    assert "Rua das Flores" in text


def test_a_relative_reporting_a_death_gets_condolences(convo: Any) -> None:
    c = unverified(convo, "en")
    c.say(
        "not_understood", text="this is his wife, he passed", relative="spouse", hardship="death"
    )
    assert "sorry for your loss" in c.texts[-1] or "condolences" in c.texts[-1]


def test_a_verified_debtor_mentioning_a_relative_keeps_the_usual_route(convo: Any) -> None:
    c = verified(convo, "pt")
    c.state = ConversationState(phase="open", verified=True, language="pt", introduced=True)
    d = c.say("cannot_pay", text="minha mãe ficou doente", relative="mother")
    assert not of_type(d, MarkContactInvalid)
    # the usual cannot_pay route: the hardship acknowledged first, then the offers
    assert "relative_answered" not in replies(d)
    assert replies(d)[0] == "hardship_ack"
    assert c.state.phase == "offers_presented"


# --- routing -------------------------------------------------------------------------------


def test_an_agent_holding_the_chat_keeps_the_bot_silent(convo: Any) -> None:
    c = verified(convo, "pt")
    c.state = ConversationState(phase="with_agent", verified=True, language="pt", introduced=True)
    d = ask(c, "scam", intent="not_understood")
    assert d.actions == ()


def test_a_question_without_a_topic_keeps_its_usual_handler() -> None:
    flows = default_flows()
    assert flows.route("open", "ask_debt_details", []) == "ask_debt_details"
    parse = make_parse("ask_debt_details", topic="breakdown")
    assert flows.route("open", "ask_debt_details", ["topic"], parse=parse) == "answer_question"
    parse = make_parse("already_paid", topic="discount")  # not a topic already_paid answers
    assert flows.route("open", "already_paid", ["topic"], parse=parse) == "already_paid"


@pytest.mark.parametrize(
    ("by_entity", "message"),
    [
        ({"mood": {"handler": "x", "intents": ["greet"]}}, "unknown entity"),
        ({"topic": {"handler": "x", "intents": {"greet": ["weather"]}}}, "unknown topics"),
        ({"topic": {"handler": "x", "intents": ["hello"]}}, "unknown intent"),
        ({"topic": {"handler": "x", "intents": ["greet"], "phases": ["nowhere"]}}, "phases"),
        ({"topic": {"intents": ["greet"]}}, "handler"),
    ],
)
def test_bad_entity_routes_are_refused(by_entity: dict[str, Any], message: str) -> None:
    with pytest.raises(FlowError, match=message):
        parse_flows({"by_entity": by_entity})


def test_late_payment_with_an_agreement_says_what_happens_without_threats(convo: Any) -> None:
    agreement = three_x_agreement(paid=())
    c = verified(convo, "pt", agreement=agreement)
    d = ask(c, "late_payment", intent="negotiate")
    assert replies(d)[-1] == "answer_late_payment"
    assert "5 dias" in c.texts[-1]
    assert "nova data" in c.texts[-1]
    assert not of_type(d, HandOff)


@pytest.mark.parametrize("lang", LANGS)
def test_a_broken_product_is_answered_before_identity_and_discloses_nothing(
    convo: Any, lang: str
) -> None:
    c = convo(identity_check="confirm_name", language=lang)
    c.send(Reminder("overdue"))
    d = ask(c, "product_issue", intent="out_of_scope", conf=0.3)
    assert replies(d)[-1] == "answer_product_issue"
    assert not any(fact in c.texts[-1] for fact in DEBT_FACTS)
    assert not of_type(d, HandOff)  # a person is offered, not forced
