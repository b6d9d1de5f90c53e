"""The results figures against a portfolio whose true values are known."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bot.store.db import make_engine, make_sessionmaker, transaction, upgrade
from bot.web import kpis
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
    assert rows["amount_recovered"] == "125.50"
    assert rows["reply_rate"] == "0.8333"
    assert rows["promise_kept_rate"] == "0.5000"
