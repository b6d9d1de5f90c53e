"""Which reminder fits a debtor right now, for a contact started by hand (scripts, console)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.cadence.calendar import next_allowed
from bot.cadence.planner import INSTALLMENT_TEMPLATE, step_template
from bot.config import Settings
from bot.conversation.facts import debtor_timezone
from bot.core.money import ZERO
from bot.store.ledger import LedgerRepository
from bot.store.portfolio import PortfolioRepository


def reminder_for_now(
    session: Session, debtor_id: int, now: datetime, settings: Settings
) -> tuple[datetime, str] | None:
    """(when, template) of the reminder that fits the debtor's debts now, at the first
    instant the contact hours allow; ``None`` when nothing is owed."""
    portfolio = PortfolioRepository(session)
    debtor = portfolio.debtor(debtor_id)
    if debtor is None:
        return None
    tz = debtor_timezone(debtor, settings)
    today = now.astimezone(ZoneInfo(tz)).date()
    ledger = LedgerRepository(session)
    agreement = ledger.current_agreement(debtor_id)
    open_debts = [
        d for d in portfolio.debts_of(debtor_id) if d.status == "open" and d.amount - d.paid > ZERO
    ]
    if agreement is not None and agreement.status == "active":
        template = INSTALLMENT_TEMPLATE
    elif not open_debts:
        return None
    else:
        template = step_template((today - min(d.due_date for d in open_debts)).days)
    at = next_allowed(now, settings.cadence, tz, debtor.state or settings.business.state)
    return at, template
