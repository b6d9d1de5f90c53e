"""Helpers added from conversation scripts: callback times, agent hours and clock texts."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest
from dialogue_helpers import of_type, replies

from bot.dialogue.actions import RecordPromise, ScheduleContact
from bot.dialogue.formatting import format_clock, hours_en, open_weekdays
from bot.dialogue.handlers_promises import time_said


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("me chama depois das 18h", time(18, 0)),
        ("me liga às 9h30", time(9, 30)),
        ("pode ser 15:45?", time(15, 45)),
        ("depois das 18 horas", time(18, 0)),
        ("me liga amanhã de manhã", time(9, 0)),
        ("fala comigo à tarde", time(14, 0)),
        ("me chama hoje a noite", time(19, 0)),
        ("call me after 6pm", time(18, 0)),
        ("text me at 10:30 am", time(10, 30)),
        ("call me tomorrow morning", time(9, 0)),
        ("pago dia 10", None),
        ("me chama depois", None),
        ("tenho 100 reais", None),
        # a bare hour after "after"/"depois das": 1 to 7 is the evening
        ("text me after 6", time(18, 0)),
        ("me chama depois das 7", time(19, 0)),
        ("after 10 is fine", time(10, 0)),
        ("pago dia 10/12", None),
    ],
)
def test_time_said(text: str, expected: time | None) -> None:
    assert time_said(text) == expected


def test_hours_en_translates_common_pt_hours() -> None:
    assert hours_en("seg a sex, das 9h às 18h") == "Mon to Fri, 9am to 6pm"
    assert hours_en("segunda a sábado, 8h30 às 12h") == "Mon to Sat, 8:30am to 12pm"


def test_hours_en_gives_up_on_free_text() -> None:
    assert hours_en("horário comercial") == ""
    assert hours_en("") == ""


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("seg a sex, das 9h às 18h; sáb, das 9h às 13h", {0, 1, 2, 3, 4, 5}),
        ("de segunda a sábado, das 9h às 18h; domingo fechado", {0, 1, 2, 3, 4, 5}),
        ("Mon to Fri, 9am to 6pm; Sat, 9am to 1pm", {0, 1, 2, 3, 4, 5}),
        ("ter a dom, 10h às 20h", {1, 2, 3, 4, 5, 6}),
        ("segunda, quarta e sexta, 9h às 12h", {0, 2, 4}),
        ("sex a seg, 10h às 16h", {4, 5, 6, 0}),  # a range over the weekend
        ("todos os dias, 8h às 22h", set()),  # no day named: nobody is told a day is closed
        ("horário comercial", set()),
    ],
)
def test_open_weekdays_read_from_the_store_hours(text: str, days: set[int]) -> None:
    assert open_weekdays(text) == frozenset(days)


def test_format_clock() -> None:
    assert format_clock("18:00", "pt") == "18h"
    assert format_clock("09:30", "pt") == "9h30"
    assert format_clock("18:00", "en") == "6pm"
    assert format_clock("00:15", "en") == "12:15am"


def test_negotiate_with_only_a_date_is_a_promise(convo: Any) -> None:
    c = convo()
    d = c.say("negotiate", text="só consigo pagar sexta", date="2026-11-27")
    assert of_type(d, RecordPromise) == [RecordPromise(date(2026, 11, 27), Decimal("460.65"))]


def test_callback_at_the_time_said_today(convo: Any) -> None:
    c = convo()
    d = c.say("callback_later", text="me chama depois das 18h")
    (contact,) = of_type(d, ScheduleContact)
    assert (contact.at.date(), contact.at.hour) == (date(2026, 11, 23), 18)
    assert "hoje, por volta das 18h" in c.texts[-1]


def test_callback_time_already_past_is_tomorrow(convo: Any) -> None:
    c = convo()
    d = c.say("callback_later", text="me chama às 8h")
    (contact,) = of_type(d, ScheduleContact)
    assert (contact.at.date(), contact.at.hour) == (date(2026, 11, 24), 8)


def test_promise_above_the_balance_records_the_balance(convo: Any) -> None:
    c = convo()
    d = c.say(
        "promise_to_pay", text="vou pagar 1000 na sexta", date="2026-11-27", amount="1000.00"
    )
    assert of_type(d, RecordPromise) == [RecordPromise(date(2026, 11, 27), Decimal("460.65"))]


def test_callback_next_week_is_next_monday(convo: Any) -> None:
    c = convo()
    d = c.say("callback_later", text="me chama semana que vem")
    (contact,) = of_type(d, ScheduleContact)
    assert contact.at.date() == date(2026, 11, 30)


def test_wanting_installments_with_offers_on_screen_picks_the_plan(convo: Any) -> None:
    c = convo()
    c.say("cannot_pay", text="to sem dinheiro")
    d = c.say("negotiate", text="prefiro parcelado")
    assert replies(d) == ["plan_summary"]
    assert c.state.pending_plan is not None
    assert c.state.pending_plan.kind == "installments"
