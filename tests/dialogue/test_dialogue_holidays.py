"""The "already paid" pause counts business days, skipping the holidays the Context carries."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from dialogue_helpers import Conversation, make_ctx, of_type

from bot.dialogue.actions import PauseReminders
from bot.dialogue.context import Reminder


def test_the_pause_skips_a_holiday_given_in_the_context(convo: Any) -> None:
    plain = convo()
    plain.send(Reminder("overdue"))
    d = plain.say("already_paid", text="já paguei")
    assert of_type(d, PauseReminders) == [PauseReminders(date(2026, 11, 26), "already_paid")]

    ctx = replace(make_ctx(), holidays=frozenset({date(2026, 11, 25)}))
    with_holiday = Conversation(ctx, plain.book)
    with_holiday.send(Reminder("overdue"))
    d = with_holiday.say("already_paid", text="já paguei")
    # Tue 24, (Wed 25 a holiday), Thu 26, Fri 27
    assert of_type(d, PauseReminders) == [PauseReminders(date(2026, 11, 27), "already_paid")]
