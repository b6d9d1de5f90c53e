"""The pure planner: steps, missed steps, stops, promises, agreements, callbacks, cap."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from bot.cadence.model import (
    CallbackFact,
    ContactKind,
    DebtFact,
    DebtorFacts,
    InstallmentFact,
    PromiseFact,
)
from bot.cadence.planner import history_days, plan_next_contact, preview
from bot.config import CadenceSettings

from .support import TZ, at, owing

S = CadenceSettings()


def plan(facts: DebtorFacts, now: datetime, settings: CadenceSettings = S):  # noqa: ANN201
    return plan_next_contact(facts, now, settings, TZ)


def test_due_soon_three_days_before_at_opening_time() -> None:
    contact = plan(owing(due=date(2026, 11, 10)), at(2026, 11, 1, 12))
    assert contact is not None
    assert (contact.template, contact.at) == ("due_soon", at(2026, 11, 7, 8))
    assert contact.idempotency_key == "1:d-3:2026-11-07"
    assert contact.kind is ContactKind.STEP
    assert contact.vars == {
        "step": "d-3",
        "due": "2026-11-10",
        "amount": "600.00",
        "total": "600.00",
        "days": "3",
    }


def test_a_contact_due_now_goes_now() -> None:
    now = at(2026, 11, 10, 10, 15)
    contact = plan(owing(due=date(2026, 11, 10)), now)
    assert contact is not None
    assert (contact.template, contact.at) == ("due_today", now)
    assert contact.due(now)


def test_missed_steps_give_one_message_the_latest() -> None:
    facts = owing(due=date(2026, 9, 1))  # imported 83 days late: -3, 0, 1, 7, 15, 30, 45...
    contact = plan(facts, at(2026, 11, 23, 10))
    assert contact is not None
    assert contact.template == "overdue"
    assert contact.step == "d+75"
    assert contact.vars["days_overdue"] == "83"
    sent = facts.after_send(contact)
    following = plan(sent, contact.at)
    assert following is not None
    assert following.step == "d+90"
    assert following.at == at(2026, 11, 30, 8)


def test_a_step_sent_is_not_sent_again_the_same_day() -> None:
    facts = owing(due=date(2026, 11, 10))
    first = plan(facts, at(2026, 11, 11, 9))
    assert first is not None
    again = plan(facts.after_send(first), at(2026, 11, 11, 15))
    assert again is not None
    assert again.step == "d+7"


def test_a_step_falling_on_sunday_goes_on_monday() -> None:
    facts = owing(due=date(2026, 11, 22))  # Sunday: due_today moves to Monday
    contact = plan(facts.after_send(plan(facts, at(2026, 11, 19))), at(2026, 11, 19, 9))  # type: ignore[arg-type]
    assert contact is not None
    # Monday 23 is also the d+1 day: the later step replaces the earlier one
    assert (contact.step, contact.at) == ("d+1", at(2026, 11, 23, 8))


def test_a_step_after_hours_goes_next_morning() -> None:
    contact = plan(owing(due=date(2026, 11, 10)), at(2026, 11, 10, 20, 30))
    assert contact is not None
    assert (contact.step, contact.at) == ("d+1", at(2026, 11, 11, 8))


@pytest.mark.parametrize("flag", ["opted_out", "contact_invalid", "disputed", "agent_holding"])
def test_stop_conditions(flag: str) -> None:
    facts = replace(owing(due=date(2026, 11, 10)), **{flag: True})
    assert plan(facts, at(2026, 11, 11, 10)) is None


def test_nothing_when_paid_or_disabled_or_no_cap() -> None:
    paid = replace(owing(), debts=())
    assert plan(paid, at(2026, 11, 11, 10)) is None
    assert plan(owing(), at(2026, 11, 11, 10), CadenceSettings(enabled=False)) is None
    assert plan(owing(), at(2026, 11, 11, 10), CadenceSettings(weekly_cap=0)) is None


def test_thank_you_once_settled_unless_the_business_already_wrote() -> None:
    settled = at(2026, 11, 12, 21)
    paid = replace(owing(), debts=(), settled_at=settled)
    contact = plan(paid, at(2026, 11, 12, 21, 5))
    assert contact is not None
    assert (contact.template, contact.at) == ("thank_you", at(2026, 11, 13, 8))
    assert plan(paid.after_send(contact), at(2026, 11, 13, 9)) is None
    thanked = replace(paid, business_sends=(at(2026, 11, 12, 21, 1),))
    assert plan(thanked, at(2026, 11, 12, 21, 5)) is None


def test_pause_after_already_paid() -> None:
    facts = replace(owing(due=date(2026, 11, 10)), paused_until=date(2026, 11, 13))
    contact = plan(facts, at(2026, 11, 11, 10))
    assert contact is not None
    assert contact.at == at(2026, 11, 14, 8)  # the day after the pause, a Saturday


def test_weekly_cap_defers_to_when_the_rolling_week_has_room() -> None:
    sends = (at(2026, 11, 16, 9), at(2026, 11, 17, 9), at(2026, 11, 18, 9))
    facts = replace(owing(due=date(2026, 11, 10)), business_sends=sends)
    contact = plan(facts, at(2026, 11, 18, 10))
    assert contact is not None
    assert contact.at == at(2026, 11, 23, 9)  # 16th 09:00 + 7 days
    assert plan(facts, at(2026, 11, 18, 10), CadenceSettings(weekly_cap=4)) is not None


def test_open_promise_silences_steps_and_reminds_on_the_morning() -> None:
    promise = PromiseFact(id=7, due=date(2026, 11, 27), amount=Decimal("100.00"))
    facts = replace(owing(due=date(2026, 11, 10)), promise=promise)
    first = plan(facts, at(2026, 11, 23, 10))
    assert first is not None
    assert (first.template, first.at) == ("promise_day", at(2026, 11, 27, 9))
    assert first.vars["promise_amount"] == "100.00"
    assert first.idempotency_key == "1:promise7:2026-11-27"
    broken = plan(facts.after_send(first), first.at)
    assert broken is not None
    assert (broken.template, broken.at) == ("promise_broken", at(2026, 11, 28, 8))
    assert broken.vars["offers"] == "true"
    after = plan(facts.after_send(first).after_send(broken), broken.at)
    assert after is not None
    assert after.template == "overdue"
    assert after.at.date() > date(2026, 11, 28)


def test_a_promise_on_sunday_has_no_promise_day_message() -> None:
    promise = PromiseFact(id=7, due=date(2026, 11, 29), amount=Decimal("100.00"))
    facts = replace(owing(due=date(2026, 11, 10)), promise=promise)
    contact = plan(facts, at(2026, 11, 27, 10))
    assert contact is not None
    assert (contact.template, contact.at) == ("promise_broken", at(2026, 11, 30, 8))


def test_a_resolved_promise_covers_the_steps_of_its_period() -> None:
    facts = replace(owing(due=date(2026, 11, 10)), last_promise_due=date(2026, 11, 20))
    contact = plan(facts, at(2026, 11, 21, 9))
    assert contact is not None
    assert contact.step == "d+15"  # d+7 (Nov 17) fell inside the promise


def test_installment_reminders_before_on_and_after() -> None:
    installments = (
        InstallmentFact(agreement_id=3, number=1, due=date(2026, 12, 2), amount=Decimal("50")),
        InstallmentFact(agreement_id=3, number=2, due=date(2027, 1, 4), amount=Decimal("50")),
    )
    facts = replace(
        owing(due=date(2026, 11, 10)), agreement_status="active", installments=installments
    )
    contacts = preview(facts, at(2026, 11, 23, 10), 44, S, TZ)
    assert [(c.template, c.at, c.vars["number"], c.vars["when"]) for c in contacts] == [
        ("installment_due", at(2026, 11, 30, 8), "1", "before"),
        ("installment_due", at(2026, 12, 2, 8), "1", "on"),
        ("installment_due", at(2026, 12, 5, 8), "1", "after"),
        ("installment_due", at(2027, 1, 2, 8), "2", "before"),
        ("installment_due", at(2027, 1, 4, 8), "2", "on"),
    ]
    assert contacts[0].idempotency_key == "1:inst3.1-2:2026-11-30"
    assert contacts[0].vars["amount"] == "50.00"


def test_a_paid_installment_gets_no_reminder_and_pending_approval_waits() -> None:
    paid = InstallmentFact(3, 1, date(2026, 12, 2), Decimal("50"), paid=True)
    facts = replace(owing(), agreement_status="active", installments=(paid,))
    assert plan(facts, at(2026, 11, 30, 10)) is None
    assert plan(replace(owing(), agreement_status="pending_approval"), at(2026, 11, 30)) is None


def test_callback_at_its_time_or_the_next_allowed() -> None:
    callback = CallbackFact(id=5, at=at(2026, 11, 23, 21, 0))
    facts = replace(owing(due=date(2026, 11, 10)), callbacks=(callback,))
    contact = plan(facts, at(2026, 11, 23, 18))
    assert contact is not None
    assert (contact.template, contact.at) == ("callback", at(2026, 11, 24, 8))
    assert contact.vars["callback_id"] == "5"
    assert contact.idempotency_key == "1:callback5:2026-11-23"
    done = replace(facts, callbacks=(replace(callback, done=True),))
    following = plan(done, at(2026, 11, 24, 9))
    assert following is not None
    assert following.template == "overdue"
    assert following.step == "d+15"  # d+7 was covered by the callback


def test_a_debtor_timezone_and_state_are_honoured() -> None:
    facts = replace(owing(due=date(2026, 7, 9)), timezone="America/Manaus", state="SP")
    contact = plan(facts, at(2026, 7, 9, 7, 30))  # 06:30 in Manaus, on a SP holiday
    assert contact is not None
    assert contact.at.isoformat() == "2026-07-10T08:00:00-04:00"


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        plan(owing(), datetime(2026, 11, 23, 10))  # noqa: DTZ001


def test_preview_assumes_each_contact_is_sent() -> None:
    contacts = preview(owing(due=date(2026, 11, 10)), at(2026, 11, 1), 40, S, TZ)
    assert [(c.step, c.at) for c in contacts] == [
        ("d-3", at(2026, 11, 7, 8)),
        ("d+0", at(2026, 11, 10, 8)),
        ("d+1", at(2026, 11, 12, 8)),  # 48 h after d+0 (cadence.min_gap_hours)
        ("d+7", at(2026, 11, 17, 8)),
        ("d+15", at(2026, 11, 25, 8)),
        ("d+30", at(2026, 12, 10, 8)),
    ]


def test_preview_respects_the_cap_with_a_busy_schedule() -> None:
    settings = CadenceSettings(steps=(-3, -2, -1, 0, 1, 2, 3), weekly_cap=2)
    contacts = preview(owing(due=date(2026, 11, 10)), at(2026, 11, 1), 20, settings, TZ)
    for contact in contacts:
        window = [c for c in contacts if contact.at - timedelta(days=7) < c.at <= contact.at]
        assert len(window) <= 2


def test_history_covers_the_longest_gap() -> None:
    assert history_days(S) >= 60
    assert history_days(CadenceSettings(repeat_every_days=90)) == 92


def test_several_debts_anchor_on_the_oldest_and_sum_what_is_due() -> None:
    facts = replace(
        owing(),
        debts=(
            DebtFact("A", date(2026, 11, 10), Decimal("100.00")),
            DebtFact("B", date(2026, 11, 20), Decimal("50.50")),
            DebtFact("C", date(2026, 12, 20), Decimal("10.00")),
        ),
    )
    contact = plan(facts, at(2026, 11, 25, 10))
    assert contact is not None
    assert contact.step == "d+15"
    assert contact.vars["amount"] == "150.50"
    assert contact.vars["total"] == "160.50"
    assert contact.vars["days_overdue"] == "15"


def test_one_scheduled_contact_a_day_but_callbacks_go_at_their_time() -> None:
    callback = CallbackFact(id=5, at=at(2026, 11, 24, 11))
    promise = PromiseFact(id=7, due=date(2026, 11, 24), amount=Decimal("100.00"))
    facts = replace(owing(due=date(2026, 11, 10)), callbacks=(callback,), promise=promise)
    first = plan(facts, at(2026, 11, 24, 8))
    assert first is not None
    assert (first.template, first.at) == ("promise_day", at(2026, 11, 24, 9))
    second = plan(facts.after_send(first), first.at)
    assert second is not None
    assert (second.template, second.at) == ("callback", at(2026, 11, 24, 11))
    third = plan(facts.after_send(first).after_send(second), second.at)
    assert third is not None
    assert (third.template, third.at) == ("promise_broken", at(2026, 11, 25, 8))
    # sent the other way round, the promise-day message is skipped that day
    early = replace(facts, callbacks=(replace(callback, at=at(2026, 11, 24, 8, 30)),))
    called = plan(early, at(2026, 11, 24, 8))
    assert called is not None
    assert called.template == "callback"
    after = plan(early.after_send(called), called.at)
    assert after is not None
    assert (after.template, after.at) == ("promise_broken", at(2026, 11, 25, 8))
