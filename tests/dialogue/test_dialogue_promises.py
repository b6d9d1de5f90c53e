"""Promises to pay, hardship and callbacks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from dialogue_helpers import NOW, of_type, replies

from bot.dialogue.actions import PresentOffers, RecordPromise, RefuseOffers, ScheduleContact
from bot.dialogue.context import Reminder


def test_promise_with_date_is_recorded_for_the_updated_balance(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("promise_to_pay", text="pago sexta", date="2026-11-27")
    assert of_type(d, RecordPromise) == [RecordPromise(date(2026, 11, 27), Decimal("460.65"))]
    assert replies(d) == ["promise_recorded"]
    assert "sexta-feira, 27/11" in c.texts[-1]
    assert "R$ 460,65" in c.texts[-1]


def test_promise_with_amount_records_that_amount(convo: Any) -> None:
    c = convo()
    d = c.say("promise_to_pay", date="2026-11-24", amount="100.00")
    assert of_type(d, RecordPromise) == [RecordPromise(date(2026, 11, 24), Decimal("100.00"))]
    assert "amanhã" in c.texts[-1]


def test_promise_today_is_fine(convo: Any) -> None:
    c = convo()
    d = c.say("promise_to_pay", date="2026-11-23")
    assert of_type(d, RecordPromise)
    assert "hoje" in c.texts[-1]


def test_promise_without_date_asks_the_day_then_a_bare_date_records(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("promise_to_pay", text="vou pagar 200", amount="200.00")
    assert replies(d) == ["ask_promise_date"]
    assert not of_type(d, RecordPromise)
    assert d.state.phase == "awaiting_promise_date"
    # a bare weekday, parsed with a low confidence, still answers the question
    d = c.say("out_of_scope", conf=0.3, text="quinta", date="2026-11-26")
    assert of_type(d, RecordPromise) == [RecordPromise(date(2026, 11, 26), Decimal("200.00"))]
    assert d.state.phase == "open"
    assert "promise_amount" not in d.state.extra


def test_promise_at_the_limit_is_taken_beyond_it_offers(convo: Any) -> None:
    c = convo()
    assert of_type(c.say("promise_to_pay", date="2026-12-03"), RecordPromise)
    d = c.say("promise_to_pay", date="2026-12-04")
    assert not of_type(d, RecordPromise)
    assert replies(d) == ["promise_too_far", "offers"]
    assert of_type(d, PresentOffers)
    assert "quinta-feira, 03/12" in c.texts[-2]
    assert d.state.phase == "offers_presented"


def test_past_date_says_what_is_possible_and_offers(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("promise_to_pay", date="2026-11-20")
    assert replies(d) == ["promise_date_past", "offers"]
    assert not of_type(d, RecordPromise)


def test_affirm_to_the_reminder_asks_which_day(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("affirm", text="sim")
    assert replies(d) == ["ask_promise_date"]


def test_cannot_pay_is_met_with_empathy_then_hardship_offers(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("cannot_pay", text="to sem dinheiro esse mes")
    # "sem dinheiro" is a hardship (money_tight): its acknowledgement is the empathy line
    assert replies(d) == ["hardship_ack", "offers"]
    assert of_type(d, PresentOffers)
    assert c.ctx.offers.calls[-1] == {"plans_for": "hardship"}
    assert not of_type(d, RecordPromise)


def test_no_means_at_all_schedules_a_later_contact(convo: Any) -> None:
    c = convo()
    d = c.say("cannot_pay", text="não tenho nada, nenhum centavo")
    assert replies(d) == ["intro", "no_means"]
    assert of_type(d, ScheduleContact) == [ScheduleContact(NOW + timedelta(days=7), "no_means")]
    assert not of_type(d, PresentOffers)


def test_cannot_pay_even_the_offers_refuses_them_and_talks_later(convo: Any) -> None:
    c = convo()
    c.say("cannot_pay")
    d = c.say("cannot_pay", text="nem isso eu consigo")
    assert of_type(d, RefuseOffers) == [RefuseOffers(("full_no_fees", "three_x"))]
    assert of_type(d, ScheduleContact)
    assert d.state.on_screen == ()


def test_callback_later_default_hours(convo: Any) -> None:
    c = convo()
    d = c.say("callback_later", text="to no trabalho")
    assert of_type(d, ScheduleContact) == [
        ScheduleContact(NOW + timedelta(hours=3), "callback_later")
    ]
    assert "callback_ok" in replies(d)


def test_callback_later_on_the_day_said(convo: Any) -> None:
    c = convo()
    d = c.say("callback_later", text="me chama amanhã", date="2026-11-24")
    at = of_type(d, ScheduleContact)[0].at  # type: ignore[union-attr]
    assert at == datetime(2026, 11, 24, 10, 0, tzinfo=NOW.tzinfo)
    assert at.tzinfo is not None
    assert "terça-feira, 24/11" in c.texts[-1]


def test_callback_while_waiting_for_a_day_is_not_a_promise(convo: Any) -> None:
    c = convo()
    c.say("promise_to_pay")
    d = c.say("callback_later", date="2026-11-25")
    assert of_type(d, ScheduleContact)
    assert not of_type(d, RecordPromise)


def test_low_confidence_promise_backed_by_a_date_is_taken(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say(
        "promise_to_pay", conf=0.52, text="bom dia, consigo pagar na quinta", date="2026-11-26"
    )
    assert of_type(d, RecordPromise)
    # without the date the same confidence is not understood
    d = c.say("promise_to_pay", conf=0.52, text="bom dia, consigo pagar")
    assert replies(d) == ["not_understood"]
    # far below the floor, a date in an open conversation is still a promise (issue 11:
    # "pode ser dia 1 então" after the debt was discussed), and nothing else is understood
    d = c.say("promise_to_pay", conf=0.1, text="pode ser quinta", date="2026-11-26")
    assert of_type(d, RecordPromise)
    d = c.say("promise_to_pay", conf=0.1, text="x")
    assert replies(d) == ["not_understood"]
