"""Item 15: contact rules per state and a minimum gap between business-initiated messages.

The debtor's state (an optional ``state`` column of the portfolio import) picks the legal
profile: SP Lei 15.426/2014 (Mon-Fri 8-20, Sat 8-14), RJ Lei 7.868/2018 (Mon-Fri 9-19, no
weekend), ES (Mon-Fri 8-19), AL (Mon-Fri 8-20, Sat 8-14); other states keep the configured
hours. The law narrows the configured hours, never widens them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.cadence.calendar import ContactCalendar
from bot.cadence.model import DebtorFacts
from bot.cadence.planner import plan_next_contact, preview
from bot.config import CadenceSettings, ContactHours, Settings
from bot.conversation.planning import next_contact
from bot.store.db import fresh_sqlite, make_engine, make_sessionmaker, transaction, upgrade
from bot.store.importer import import_portfolio
from bot.store.tables import Debtor

TZ = "America/Sao_Paulo"
ZONE = ZoneInfo(TZ)
S = CadenceSettings()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026: the 7th is a Monday, the 12th a Saturday (no holidays that week)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=ZONE)


@pytest.mark.parametrize(
    ("state", "allowed", "refused"),
    [
        ("SP", [at(7, 8), at(7, 19, 59), at(12, 13, 59)], [at(7, 20), at(12, 14), at(13, 10)]),
        ("RJ", [at(7, 9), at(11, 18, 59)], [at(7, 8, 30), at(7, 19), at(12, 10), at(13, 10)]),
        ("ES", [at(7, 8), at(11, 18, 59)], [at(7, 19), at(12, 9), at(13, 10)]),
        ("AL", [at(7, 8), at(7, 19, 59), at(12, 13)], [at(7, 20), at(12, 14), at(13, 10)]),
        # no law of its own: the configured hours (Mon-Fri 8-20, Sat 8-14)
        (None, [at(7, 8), at(7, 19, 30), at(12, 13)], [at(7, 20), at(13, 10)]),
        ("MG", [at(7, 19, 30), at(12, 8)], [at(12, 14)]),
    ],
)
def test_each_state_has_its_legal_hours(
    state: str | None, allowed: list[datetime], refused: list[datetime]
) -> None:
    cal = ContactCalendar.from_settings(S, TZ, state)
    assert [cal.is_allowed(t) for t in allowed] == [True] * len(allowed)
    assert [cal.is_allowed(t) for t in refused] == [False] * len(refused)


def test_the_law_narrows_the_configured_hours_never_widens_them() -> None:
    narrow = CadenceSettings(contact_hours=ContactHours(sat=None, mon="10:00-21:00"))
    cal = ContactCalendar.from_settings(narrow, TZ, "SP")
    assert not cal.is_allowed(at(7, 9))  # config starts at 10
    assert not cal.is_allowed(at(7, 20, 30))  # the law ends at 20
    assert not cal.is_allowed(at(12, 10))  # config: no Saturday
    rj = ContactCalendar.from_settings(S, TZ, "RJ")
    assert rj.next_allowed(at(12, 10)) == at(14, 9), "RJ: Saturday waits for Monday 09:00"


def owing(state: str | None, sends: tuple[datetime, ...] = ()) -> DebtorFacts:
    from bot.cadence.model import DebtFact

    return DebtorFacts(
        debtor_id=1,
        ref="D-1",
        state=state,
        debts=(DebtFact(ref="C-1", due=date(2026, 12, 4), balance=Decimal("100.00")),),
        business_sends=sends,
    )


def test_the_planner_uses_the_debtors_state() -> None:
    saturday = at(12, 8)
    sp = plan_next_contact(owing("SP"), saturday, S, TZ)
    rj = plan_next_contact(owing("RJ"), saturday, S, TZ)
    assert sp is not None
    assert rj is not None
    assert sp.at == at(12, 8)
    assert rj.at == at(14, 9)


def test_a_minimum_gap_of_48_hours_between_business_messages() -> None:
    assert S.min_gap_hours == 48
    last = at(7, 10)
    planned = plan_next_contact(owing(None, (last,)), at(8, 8), S, TZ)
    assert planned is not None
    assert planned.at >= last + timedelta(hours=48)
    assert planned.at == at(9, 10)
    contacts = preview(owing(None), at(1, 0), 30, S, TZ)
    gaps = [b.at - a.at for a, b in zip(contacts, contacts[1:], strict=False)]
    assert gaps, "the preview has several contacts"
    assert min(gaps) >= timedelta(hours=48)


def test_the_gap_is_configurable() -> None:
    last = at(7, 10)
    short = CadenceSettings(min_gap_hours=24)
    planned = plan_next_contact(owing(None, (last,)), at(8, 8), short, TZ)
    assert planned is not None
    assert planned.at == at(8, 10)


def test_the_import_state_column_reaches_the_planner(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = fresh_sqlite(tmp_path / "q.db")
    upgrade(url)
    engine = make_engine(url)
    db = make_sessionmaker(engine)
    text = (
        "debtor_ref,name,phone,telegram_chat_id,language,document,debt_ref,description,"
        "amount,due_date,state\n"
        "D-1,Maria,+5521990000001,,pt,,C-1,TV,100.00,2026-12-04,rj\n"
        "D-2,João,+5511990000002,,pt,,C-2,TV,100.00,2026-12-04,\n"
        "D-3,Ana,+5511990000003,,pt,,C-3,TV,100.00,2026-12-04,XX\n"
    )
    with transaction(db) as session:
        report = import_portfolio(session, text, at(1, 10))
    assert report.errors == [(4, "state 'XX' is not a Brazilian UF (SP, RJ, ...)")]
    settings = Settings(business={"state": "SP"})
    with db() as session:
        states = dict(session.execute(select(Debtor.ref, Debtor.state)).all())
        ids = dict(session.execute(select(Debtor.ref, Debtor.id)).all())
        saturday = at(12, 8)
        rj = next_contact(session, ids["D-1"], saturday, settings)
        sp = next_contact(session, ids["D-2"], saturday, settings)
    engine.dispose()
    assert states == {"D-1": "RJ", "D-2": None}
    assert rj == at(14, 9)
    assert sp == at(12, 8), "no state: the business's state (SP) applies"
