"""The results figures against a portfolio whose true values are known."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bot.store.db import make_engine, make_sessionmaker, transaction, upgrade
from bot.store.tables import Conversation, ReminderSend
from bot.web import kpis
from bot.web.kpi_queries import cadence_steps
from tests.web import known_portfolio as known


@pytest.fixture
def results(tmp_path: Path) -> kpis.Results:
    url = f"sqlite:///{tmp_path / 'kpi.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        known.build(session)
    with factory() as session:
        found = kpis.load_results(
            session,
            start=known.START,
            end=known.END,
            timezone="America/Sao_Paulo",
            threshold=0.55,
        )
    engine.dispose()
    return found


def test_every_figure_matches_the_known_truth(results: kpis.Results) -> None:
    actual = {name: getattr(results, name) for name in known.EXPECTED}
    assert actual == known.EXPECTED


def test_rates(results: kpis.Results) -> None:
    assert results.reply_rate == Decimal(5) / Decimal(6)
    assert results.kept_rate == Decimal("0.5")
    assert results.handoff_rate == Decimal("0.2")
    assert results.resolved_without_human_rate == Decimal("0.4")
    assert results.opt_out_rate == Decimal(1) / Decimal(6)
    assert results.not_understood_rate == Decimal(2) / Decimal(7)


def test_daily_series_in_the_business_timezone(results: kpis.Results) -> None:
    days = {d.day: d for d in results.days}
    assert len(results.days) == 7
    assert days[date(2026, 11, 1)].contacts == 0  # the 31/10 23:00 message is not here
    assert days[date(2026, 11, 3)].contacts == 2
    assert days[date(2026, 11, 3)].replied == 1
    assert days[date(2026, 11, 7)].recovered == Decimal("25.50")  # 23:30 local, 02:30 UTC
    assert sum(d.promises for d in results.days) == 2


def test_empty_period_has_no_rates() -> None:
    empty = kpis.compute(
        [], [], {}, start=date(2026, 1, 1), end=date(2026, 1, 1), timezone="UTC", threshold=0.5
    )
    assert empty.contacts == 0
    assert empty.reply_rate is None
    assert empty.kept_rate is None
    assert dict(empty.rows())["reply_rate"] == ""


def test_csv_rows_are_exact(results: kpis.Results) -> None:
    rows = dict(results.rows())
    assert rows["amount_recovered"] == "245.50"
    assert rows["failed_deliveries"] == "2"
    assert rows["self_cure_rate"] == "0.2500"
    assert rows["reply_rate"] == "0.8333"
    assert rows["promise_kept_rate"] == "0.5000"


def test_self_cure_failed_deliveries_and_recovered_share(results: kpis.Results) -> None:
    assert results.self_cure_rate == Decimal("0.25")
    assert results.failed_rate == Decimal(2) / Decimal(9)
    # 245.50 recovered of (320.00 still open + 245.50)
    assert results.recovered_share == Decimal("245.50") / Decimal("565.50")
    assert results.promise_rate == Decimal(2) / Decimal(4)
    by_dpd = dict(results.recovered_by_dpd)
    assert by_dpd["1-30"] == Decimal("40.00")  # d10's oldest debt was 13 days late
    assert by_dpd["0"] == Decimal("205.50")  # no debts on file: counted as not late
    assert sum(by_dpd.values()) == results.amount_recovered
    (agent,) = results.agents
    assert (agent.agent_id, agent.promises) == (1, 1)


def test_filters_narrow_to_the_chosen_conversations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kpi.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        known.build(session)
    with factory() as session:

        def load(**filters: object) -> kpis.Results:
            return kpis.load_results(
                session,
                start=known.START,
                end=known.END,
                timezone="America/Sao_Paulo",
                threshold=0.55,
                filters=kpis.Filters(**filters),  # type: ignore[arg-type]
            )

        telegram = load(channel="telegram")
        english = load(language="en")
        by_agent = load(agent=1)
        late = load(dpd="1-30")
    engine.dispose()
    assert (telegram.contacts, telegram.handoffs, telegram.promises_made) == (1, 1, 1)
    assert english.contacts == telegram.contacts == by_agent.contacts == 1
    assert (late.contacts, late.amount_recovered) == (0, Decimal("40.00"))


def test_the_cadence_step_filter_keeps_debtors_sent_that_step(tmp_path: Path) -> None:
    """c1's debtor got the overdue reminder in the period; c7's got ``due_soon`` only after
    it ended, so the period's ``due_soon`` view is empty."""
    url = f"sqlite:///{tmp_path / 'kpi.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        ids = known.build(session)

        def debtor_of(conversation_id: int) -> int:
            conversation = session.get(Conversation, conversation_id)
            assert conversation is not None
            assert conversation.debtor_id is not None
            return conversation.debtor_id

        for conversation, template, day in (("c1", "overdue", 2), ("c7", "due_soon", 8)):
            session.add(
                ReminderSend(
                    debtor_id=debtor_of(ids[conversation]),
                    idempotency_key=f"{conversation}:{template}",
                    template=template,
                    created_at=known.at(day, 9),
                )
            )
    with factory() as session:

        def load(step: str) -> kpis.Results:
            return kpis.load_results(
                session,
                start=known.START,
                end=known.END,
                timezone="America/Sao_Paulo",
                threshold=0.55,
                filters=kpis.Filters(step=step),
            )

        overdue, due_soon = load("overdue"), load("due_soon")
        steps = cadence_steps(session)
    engine.dispose()
    assert (overdue.contacts, overdue.promises_made, overdue.promises_kept) == (1, 1, 1)
    assert overdue.amount_recovered == Decimal("100.00")  # d1's payment only
    assert (due_soon.contacts, due_soon.amount_recovered) == (0, Decimal("0.00"))
    assert steps == ["due_soon", "overdue"]
