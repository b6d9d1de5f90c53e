"""Properties of the planner over random debtors, clocks and settings."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cadence.calendar import calendar_for
from bot.cadence.model import (
    CallbackFact,
    ContactKind,
    DebtFact,
    DebtorFacts,
    InstallmentFact,
    PromiseFact,
)
from bot.cadence.planner import plan_next_contact, preview, sends_in_window
from bot.config import CadenceSettings

from .support import TZ, ZONE

BASE = datetime(2026, 1, 1, tzinfo=ZONE)
DAY0 = BASE.date()

instants = st.integers(min_value=0, max_value=365 * 24 * 60).map(
    lambda minutes: BASE + timedelta(minutes=minutes)
)
days = st.integers(min_value=-40, max_value=400).map(lambda n: DAY0 + timedelta(days=n))
amounts = st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c) / 100)
states = st.sampled_from([None, "SP", "RJ", "BA"])
zones = st.sampled_from([None, "America/Sao_Paulo", "America/Manaus", "America/Noronha"])

cadences = st.builds(
    CadenceSettings,
    # config validation wants steps in increasing order (an unsorted list is a typo)
    steps=st.lists(st.integers(-10, 60), min_size=1, max_size=7, unique=True).map(
        lambda xs: tuple(sorted(xs))
    ),
    repeat_every_days=st.integers(0, 30),
    profile=st.sampled_from(["br", "us"]),
    weekly_cap=st.integers(1, 5),
    installment_reminder_days=st.lists(st.integers(-5, 5), max_size=3, unique=True).map(
        lambda xs: tuple(sorted(xs))
    ),
)


@st.composite
def debtor_facts(draw: st.DrawFn) -> DebtorFacts:
    debts = tuple(
        DebtFact(ref=f"C{i}", due=draw(days), balance=draw(amounts))
        for i in range(draw(st.integers(0, 3)))
    )
    promise = draw(st.none() | st.builds(PromiseFact, st.integers(1, 9), days, amounts))
    installments = tuple(
        InstallmentFact(1, n, draw(days), draw(amounts), draw(st.booleans()))
        for n in range(draw(st.integers(0, 4)))
    )
    callbacks = tuple(
        CallbackFact(n, draw(instants), done=draw(st.booleans()))
        for n in range(draw(st.integers(0, 2)))
    )
    sends = tuple(sorted(draw(st.lists(instants, max_size=6))))
    return DebtorFacts(
        debtor_id=draw(st.integers(1, 10**9)),
        timezone=draw(zones),
        state=draw(states),
        debts=debts,
        promise=promise,
        last_promise_due=draw(st.none() | days),
        agreement_status=draw(st.sampled_from([None, None, "active", "pending_approval"])),
        installments=installments,
        callbacks=callbacks,
        business_sends=sends,
        paused_until=draw(st.none() | days),
        settled_at=draw(st.none() | instants),
    )


@settings(max_examples=300, deadline=None)
@given(facts=debtor_facts(), now=instants, cadence=cadences)
def test_a_planned_contact_is_always_allowed(
    facts: DebtorFacts, now: datetime, cadence: CadenceSettings
) -> None:
    facts = replace(facts, business_sends=tuple(s for s in facts.business_sends if s <= now))
    contact = plan_next_contact(facts, now, cadence, TZ)
    if contact is None:
        return
    cal = calendar_for(cadence, facts.timezone or TZ, facts.state)
    assert contact.at >= now
    assert contact.at.tzinfo is not None
    assert cal.is_allowed(contact.at)
    assert cal.local_date(contact.at).weekday() != 6
    assert not cal.is_holiday(cal.local_date(contact.at))
    assert sends_in_window(facts, contact.at) < cadence.weekly_cap
    assert contact.idempotency_key not in facts.sent_keys
    assert contact.idempotency_key.startswith(f"{facts.debtor_id}:{contact.step}:")
    if facts.paused_until is not None and contact.kind is not ContactKind.THANK_YOU:
        assert cal.local_date(contact.at) > facts.paused_until
    # planning again at the planned time gives the same contact (a stable plan)
    assert plan_next_contact(facts, contact.at, cadence, TZ) == contact


@settings(max_examples=100, deadline=None)
@given(
    facts=debtor_facts(),
    now=instants,
    flag=st.sampled_from(["opted_out", "contact_invalid", "disputed", "agent_holding"]),
)
def test_stop_flags_always_stop(facts: DebtorFacts, now: datetime, flag: str) -> None:
    stopped = replace(facts, **{flag: True})
    assert plan_next_contact(stopped, now, CadenceSettings(), TZ) is None


@settings(max_examples=150, deadline=None)
@given(facts=debtor_facts(), start=instants, cadence=cadences)
def test_a_month_preview_never_breaks_the_rules(
    facts: DebtorFacts, start: datetime, cadence: CadenceSettings
) -> None:
    facts = replace(facts, business_sends=tuple(s for s in facts.business_sends if s <= start))
    contacts = preview(facts, start, 30, cadence, TZ)
    cal = calendar_for(cadence, facts.timezone or TZ, facts.state)
    keys = [c.idempotency_key for c in contacts]
    assert len(keys) == len(set(keys))
    everything = sorted([*facts.business_sends, *(c.at for c in contacts)])
    for contact in contacts:
        assert cal.is_allowed(contact.at)
        in_week = [s for s in everything if contact.at - timedelta(days=7) < s <= contact.at]
        assert len(in_week) <= cadence.weekly_cap
    times = [c.at for c in contacts]
    assert times == sorted(times)


@settings(max_examples=100, deadline=None)
@given(
    due=st.integers(min_value=4, max_value=300).map(lambda n: DAY0 - timedelta(days=n)),
    now=instants,
)
def test_missed_steps_give_one_message(due: date, now: datetime) -> None:
    facts = DebtorFacts(debtor_id=1, debts=(DebtFact("C", due, Decimal("10.00")),))
    contact = plan_next_contact(facts, now, CadenceSettings(), TZ)
    assert contact is not None
    steps_today = [
        c
        for c in preview(facts, now, 1, CadenceSettings(), TZ)
        if c.at.date() == contact.at.date()
    ]
    assert len(steps_today) <= 1
