"""``compute``: the period's events and messages in, the results' figures out. Pure (no
database), so the maths can be checked against a portfolio whose true values a test knows;
the definitions are in ``bot.web.kpis``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from bot.core.money import ZERO, money
from bot.web.kpi_rows import (
    DPD_BUCKETS,
    FAILED,
    NOT_RIGHT_PARTY,
    SELF_CURE_DAYS,
    AgentFigures,
    DayFigures,
    EventRow,
    Extra,
    MessageRow,
    Results,
    dpd_bucket,
)


def _amount(data: dict[str, object]) -> Decimal:
    try:
        return money(str(data.get("amount", "0")))
    except (ValueError, InvalidOperation):
        return ZERO


def compute(
    events: Iterable[EventRow],
    messages: Iterable[MessageRow],
    debtor_of: dict[int, int | None],
    *,
    start: date,
    end: date,
    timezone: str,
    threshold: float,
    extra: Extra | None = None,
) -> Results:
    """The period's figures from its events and messages (both already limited to it)."""
    tz = ZoneInfo(timezone)
    extra = extra or Extra()
    events = list(events)
    messages = list(messages)
    contacted: set[int] = set()
    wrote: set[int] = set()
    inbound = parsed = not_understood = 0
    day_contacts: dict[date, set[int]] = {}
    day_replied: dict[date, set[int]] = {}
    attempted = failed = 0
    for m in messages:
        day = m.created_at.astimezone(tz).date()
        if m.direction == "out":
            attempted += 1
            failed += m.status in FAILED
        if m.direction == "out" and m.status not in FAILED:
            contacted.add(m.conversation_id)
            day_contacts.setdefault(day, set()).add(m.conversation_id)
        elif m.direction == "in":
            wrote.add(m.conversation_id)
            day_replied.setdefault(day, set()).add(m.conversation_id)
            inbound += 1
            if m.intent is not None:
                parsed += 1
                low = m.confidence is not None and m.confidence < threshold
                if m.intent == "out_of_scope" or low:
                    not_understood += 1
    replied = contacted & wrote
    by_kind: dict[str, list[EventRow]] = {}
    for e in events:
        by_kind.setdefault(e.kind, []).append(e)

    def conversations(*kinds: str) -> set[int]:
        return {
            e.conversation_id
            for kind in kinds
            for e in by_kind.get(kind, [])
            if e.conversation_id is not None
        }

    not_right = conversations(*NOT_RIGHT_PARTY)
    right_party = {c for c in replied if debtor_of.get(c) is not None and c not in not_right}
    handed_off = conversations("handoff")
    bot_resolved = {
        e.conversation_id
        for kind in ("promise_recorded", "agreement_created")
        for e in by_kind.get(kind, [])
        if e.conversation_id is not None and not e.actor.startswith("agent")
    }
    promised = by_kind.get("promise_recorded", [])
    payments = by_kind.get("payment_received", [])
    day_promises: dict[date, int] = {}
    for e in promised:
        d = e.at.astimezone(tz).date()
        day_promises[d] = day_promises.get(d, 0) + 1
    day_recovered: dict[date, Decimal] = {}
    for e in payments:
        d = e.at.astimezone(tz).date()
        day_recovered[d] = day_recovered.get(d, ZERO) + _amount(e.data)
    day_opt_outs = _per_day(by_kind.get("opt_out", []), tz)
    day_payments = _per_day(payments, tz)
    days = []
    current = start
    while current <= end:
        days.append(
            DayFigures(
                day=current,
                contacts=len(day_contacts.get(current, ())),
                replied=len(day_replied.get(current, set()) & day_contacts.get(current, set())),
                promises=day_promises.get(current, 0),
                recovered=day_recovered.get(current, ZERO),
                opt_outs=day_opt_outs.get(current, 0),
                payments=day_payments.get(current, 0),
            )
        )
        current += timedelta(days=1)
    payers, self_cured = _self_cure(payments, extra)
    return Results(
        start=start,
        end=end,
        contacts=len(contacted),
        replied=len(replied),
        right_party=len(right_party),
        promises_made=len(promised),
        promises_kept=len(by_kind.get("promise_kept", [])),
        promises_broken=len(by_kind.get("promise_broken", [])),
        agreements=len(by_kind.get("agreement_created", [])),
        amount_promised=sum((_amount(e.data) for e in promised), ZERO),
        amount_recovered=sum((_amount(e.data) for e in payments), ZERO),
        handoffs=len(handed_off),
        resolved_without_human=len(bot_resolved - handed_off),
        opt_outs=len(conversations("opt_out")),
        inbound=inbound,
        not_understood=not_understood,
        parsed=parsed,
        attempted=attempted,
        failed_deliveries=failed,
        payers=payers,
        self_cured=self_cured,
        open_balance=extra.open_balance,
        days=tuple(days),
        agents=_per_agent(events),
        recovered_by_dpd=_by_dpd(payments, extra, tz),
    )


def _per_day(events: Iterable[EventRow], tz: ZoneInfo) -> dict[date, int]:
    found: dict[date, int] = {}
    for e in events:
        d = e.at.astimezone(tz).date()
        found[d] = found.get(d, 0) + 1
    return found


def _self_cure(payments: list[EventRow], extra: Extra) -> tuple[int, int]:
    """(debtors who paid, of them those with no contact in the days before any payment)."""
    paid: dict[int, list[datetime]] = {}
    for e in payments:
        if e.debtor_id is not None:
            paid.setdefault(e.debtor_id, []).append(e.at)
    cured = 0
    window = timedelta(days=SELF_CURE_DAYS)
    for debtor, moments in paid.items():
        contacts = extra.contact_times.get(debtor, [])
        if not any(p - window <= c < p for p in moments for c in contacts):
            cured += 1
    return len(paid), cured


def _per_agent(events: list[EventRow]) -> tuple[AgentFigures, ...]:
    counts: dict[int, dict[str, int]] = {}
    names = {
        "agent_took": "taken",
        "promise_recorded": "promises",
        "agreement_created": "agreements",
    }
    for e in events:
        kind, _, ident = e.actor.partition(":")
        if kind != "agent" or not ident.isdigit() or e.kind not in names:
            continue
        mine = counts.setdefault(int(ident), {})
        mine[names[e.kind]] = mine.get(names[e.kind], 0) + 1
    return tuple(AgentFigures(agent, **figures) for agent, figures in sorted(counts.items()))


def _by_dpd(
    payments: list[EventRow], extra: Extra, tz: ZoneInfo
) -> tuple[tuple[str, Decimal], ...]:
    totals = dict.fromkeys(DPD_BUCKETS, ZERO)
    for e in payments:
        oldest = extra.oldest_due.get(e.debtor_id or 0)
        days = (e.at.astimezone(tz).date() - oldest).days if oldest else 0
        bucket = dpd_bucket(days)
        totals[bucket] += _amount(e.data)
    return tuple(totals.items())
