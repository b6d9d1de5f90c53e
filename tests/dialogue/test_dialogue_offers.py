"""Offers, proposals, choosing, confirming, refusing, approvals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from dialogue_helpers import of_type, replies

from bot.dialogue.actions import (
    CreateAgreement,
    HandOff,
    LogEvent,
    PresentOffers,
    RefuseOffers,
    Reply,
    SendPaymentInfo,
)
from bot.dialogue.context import Reminder


def _offers_on_screen(c: Any) -> None:
    c.send(Reminder("overdue"))
    d = c.say("negotiate", text="dá pra parcelar?")
    assert replies(d) == ["offers"]
    assert [p.offer_id for p in of_type(d, PresentOffers)[0].plans] == ["full_no_fees", "three_x"]


def test_negotiate_without_numbers_shows_the_first_page(convo: Any) -> None:
    c = convo()
    _offers_on_screen(c)
    text = c.texts[-1]
    assert "1)" in text
    assert "2)" in text
    assert "3x de R$ 150,00" in text


def test_choose_option_summarises_then_fechado_closes_with_pix(convo: Any) -> None:
    c = convo()
    _offers_on_screen(c)
    d = c.say("choose_option", text="opção 2", option=2)
    assert replies(d) == ["plan_summary"]
    assert d.state.phase == "confirming_plan"
    assert d.state.pending_plan is not None
    assert not of_type(d, CreateAgreement)
    d = c.say("affirm", text="fechado")
    plan = c.ctx.offers.plans[1]
    assert of_type(d, CreateAgreement) == [CreateAgreement(plan)]
    assert of_type(d, SendPaymentInfo) == [
        SendPaymentInfo(Decimal("150.00"), of_type(d, SendPaymentInfo)[0].reference, "pix")
    ]
    pix = [a for a in d.actions if isinstance(a, Reply) and a.response == "payment_info"]
    assert pix
    assert pix[0].attach_pix_qr
    assert d.state.phase == "agreement"
    # the runtime passes the PIX code in when rendering
    text = c.book.render(
        pix[0].__class__(pix[0].response, {**pix[0].vars, "pix_code": "000201XYZ"}),
        "pt",
        seed=0,
        business={},
    )
    assert "000201XYZ" in text


def test_bare_number_on_screen_is_an_option_even_with_low_confidence(convo: Any) -> None:
    c = convo()
    _offers_on_screen(c)
    d = c.say("out_of_scope", conf=0.2, text="1", option=1)
    assert replies(d) == ["plan_summary"]
    assert d.state.pending_plan == c.ctx.offers.plans[0]


def test_affirm_to_several_options_asks_which_never_takes_the_first(convo: Any) -> None:
    # "sounds good" / "quero" to a list of options: the first one was taken before, and a
    # person who meant the installments got a summary of the payment in full
    c = convo()
    _offers_on_screen(c)
    assert len(c.state.on_screen) > 1
    d = c.say("affirm", text="quero")
    assert replies(d) == ["option_which"]
    assert d.state.pending_plan is None


def test_fechado_with_several_plans_on_screen_asks_which_never_guesses(convo: Any) -> None:
    c = convo()
    _offers_on_screen(c)
    assert len(c.state.on_screen) > 1
    d = c.say("affirm", text="fechado")
    assert not of_type(d, CreateAgreement)
    assert replies(d) == ["option_which"]
    d = c.say("choose_option", text="a 2", option=2)
    assert d.state.pending_plan == c.ctx.offers.plans[1]


def test_option_out_of_range_asks_again(convo: Any) -> None:
    c = convo()
    _offers_on_screen(c)
    d = c.say("choose_option", option=5)
    assert replies(d) == ["option_invalid"]
    assert d.state.phase == "offers_presented"


def test_deny_refuses_and_shows_the_next_page_then_hands_off(convo: Any) -> None:
    c = convo()
    _offers_on_screen(c)
    d = c.say("deny", text="não")
    assert of_type(d, RefuseOffers) == [RefuseOffers(("full_no_fees", "three_x"))]
    assert [p.offer_id for p in of_type(d, PresentOffers)[0].plans] == ["six_x", "big_discount"]
    d = c.say("deny")
    assert [p.offer_id for p in of_type(d, PresentOffers)[0].plans] == ["ten_x"]
    d = c.say("deny")
    assert of_type(d, RefuseOffers) == [RefuseOffers(("ten_x",))]
    assert of_type(d, HandOff) == [HandOff("offers_refused")]
    assert replies(d) == ["handoff_offers_refused"]
    assert d.state.phase == "with_agent"
    assert d.state.offers_shown == ("full_no_fees", "three_x", "six_x", "big_discount", "ten_x")


def test_own_proposal_in_installments_is_simulated_and_confirmed(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("negotiate", text="consigo em 5x?", installments=5)
    assert c.ctx.offers.calls[-1] == {"installments": 5, "monthly": None, "down": None}
    assert replies(d) == ["plan_summary"]
    assert "5x de R$ 90,00" in c.texts[-1]
    d = c.say("affirm", text="fechado")
    agreement = of_type(d, CreateAgreement)[0]
    assert agreement.plan.installments == 5  # type: ignore[union-attr]
    assert agreement.plan.total == Decimal("450.00")  # type: ignore[union-attr]


def test_monthly_amount_and_down_payment(convo: Any) -> None:
    c = convo()
    c.say("negotiate", text="posso pagar 150 por mês", amount="150.00")
    assert c.ctx.offers.calls[-1] == {
        "installments": None,
        "monthly": Decimal("150.00"),
        "down": None,
    }
    c.say("negotiate", text="dou 100 de entrada", amount="100.00")
    assert c.ctx.offers.calls[-1]["down"] == Decimal("100.00")


def test_inexact_proposal_says_it_is_the_nearest(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("negotiate", amount="50.00")
    assert replies(d) == ["plan_summary"]
    assert d.actions[0] == LogEvent(
        "proposal",
        {
            "installments": None,
            "monthly_amount": "50.00",
            "down_payment": None,
            "exact": False,
            "reason": "monthly",
            "offer_id": "own_6x",
        },
    )
    assert "não consigo" in c.texts[-1].lower()


def test_impossible_proposal_shows_the_offers(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("negotiate", installments=48)
    assert replies(d) == ["offers"]
    assert "não consigo fazer" in c.texts[-1] or "fora do que" in c.texts[-1]


def test_plan_needing_approval_hands_off(convo: Any) -> None:
    c = convo()
    _offers_on_screen(c)
    c.say("deny")
    c.say("choose_option", option=2)
    d = c.say("affirm", text="sim")
    assert of_type(d, CreateAgreement) == [CreateAgreement(c.ctx.offers.plans[3], True)]
    assert of_type(d, HandOff) == [HandOff("approval")]
    assert not of_type(d, SendPaymentInfo)
    assert replies(d) == ["approval_pending"]


def test_deny_the_summary_shows_the_next_offers(convo: Any) -> None:
    c = convo()
    _offers_on_screen(c)
    c.say("choose_option", option=1)
    d = c.say("deny")
    assert of_type(d, RefuseOffers) == [RefuseOffers(("full_no_fees", "three_x"))]
    assert of_type(d, PresentOffers)


def test_switch_option_while_confirming(convo: Any) -> None:
    c = convo()
    _offers_on_screen(c)
    c.say("choose_option", option=1)
    d = c.say("choose_option", option=2)
    assert d.state.pending_plan == c.ctx.offers.plans[1]


def test_english_offers(convo: Any) -> None:
    c = convo(language="en")
    c.send(Reminder("overdue"))
    c.say("negotiate", text="can I pay in installments?")
    assert "3 payments of R$150.00" in c.texts[-1]


def test_asking_how_to_pay_a_plan_waiting_for_its_yes_is_the_yes(convo: Any) -> None:
    """ "me manda o boleto" to "posso fechar?": the agreement, and the way to pay it (PIX,
    saying boleto is not available here)."""
    c = convo()
    _offers_on_screen(c)
    c.say("choose_option", text="2", option=2)
    d = c.say("ask_payment_method", text="me manda o boleto", payment_method="boleto")
    assert of_type(d, CreateAgreement) == [CreateAgreement(c.ctx.offers.plans[1])]
    assert of_type(d, SendPaymentInfo)[0].method == "boleto"  # type: ignore[union-attr]
    assert replies(d) == ["agreement_created", "payment_info"]


def test_half_now_and_half_later_proposes_half_as_the_entry(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    c.say("negotiate", text="posso pagar metade agora e metade mes que vem?")
    call = c.ctx.offers.calls[-1]
    assert call["down"] == Decimal("225.00")  # half of the principal of R$ 450,00
    assert call["installments"] == 1
