"""Results over a period, from the append-only events table and the message log.

``load_results`` queries; ``compute`` is pure (rows in, figures out) so the maths can be
checked against a portfolio whose true values a test knows. Definitions, per period:

- contacts: conversations that got at least one message from us (bot or agent, not failed)
- replied: of those, conversations where the debtor wrote back; reply rate = replied/contacts
- right-party contacts: replied conversations linked to a debtor with no ``wrong_person``,
  ``identity_denied`` or ``contact_invalid`` event
- promises made / kept / broken: ``promise_recorded`` / ``promise_kept`` /
  ``promise_broken`` events; kept rate = kept / (kept + broken)
- agreements: ``agreement_created`` events; amount promised: sum of promise amounts;
  amount recovered: sum of ``payment_received`` amounts
- handed off: conversations with a ``handoff`` event; hand-off rate = handed off / replied
- resolved without a human: conversations where the bot (not an agent) recorded a promise or
  an agreement and no hand-off happened; rate over replied
- opt-outs: conversations with an ``opt_out`` event; opt-out rate = opt-outs / contacts
- not understood: inbound messages whose intent is ``out_of_scope`` or whose confidence is
  below the NLU threshold; rate over inbound messages that were parsed
- promise rate: promises made / right-party contacts
- failed deliveries: our messages the channel reported ``failed`` or ``undelivered``
  (they count in no contact); rate over our messages attempted
- self-cure: debtors who paid in the period with no message to or from them in the
  ``SELF_CURE_DAYS`` before the payment; rate over debtors who paid
- recovered share: amount recovered / (what is still open in collection today + the amount
  recovered in the period), i.e. the part of the balance the period brought in
- per agent: chats taken, promises and agreements recorded by each agent (``agent:<id>``)
- recovery by days past due: amount recovered by how late the debtor's oldest debt was on
  the day of the payment (0, 1–30, 31–60, 61–90, 90+)
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from bot.web.kpi_compute import compute
from bot.web.kpi_queries import load
from bot.web.kpi_rows import (
    DPD_BUCKETS,
    FAILED,
    KINDS,
    NOT_RIGHT_PARTY,
    SELF_CURE_DAYS,
    AgentFigures,
    DayFigures,
    EventRow,
    Extra,
    Filters,
    MessageRow,
    Results,
    dpd_bucket,
    period_bounds,
    ratio,
)

# the dashboard, the API, the CSV exports and the tests read the results through this module
__all__ = [
    "DPD_BUCKETS",
    "FAILED",
    "KINDS",
    "NOT_RIGHT_PARTY",
    "SELF_CURE_DAYS",
    "AgentFigures",
    "DayFigures",
    "EventRow",
    "Extra",
    "Filters",
    "MessageRow",
    "Results",
    "compute",
    "dpd_bucket",
    "load_results",
    "period_bounds",
    "ratio",
]


def load_results(
    session: Session,
    *,
    start: date,
    end: date,
    timezone: str,
    threshold: float,
    filters: Filters | None = None,
) -> Results:
    """Query the period's events and messages (within the filters) and compute the figures
    (the queries live in ``bot.web.kpi_queries``)."""
    return load(
        session, start=start, end=end, timezone=timezone, threshold=threshold, filters=filters
    )
