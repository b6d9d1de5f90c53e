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

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.core.money import ZERO, money

KINDS = (
    "agent_took",
    "promise_recorded",
    "promise_kept",
    "promise_broken",
    "agreement_created",
    "payment_received",
    "handoff",
    "opt_out",
    "wrong_person",
    "identity_denied",
    "contact_invalid",
)
NOT_RIGHT_PARTY = {"wrong_person", "identity_denied", "contact_invalid"}
FAILED = {"failed", "undelivered"}
SELF_CURE_DAYS = 30
DPD_BUCKETS = ("0", "1-30", "31-60", "61-90", "90+")


def dpd_bucket(days: int) -> str:
    if days <= 0:
        return "0"
    if days <= 30:
        return "1-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "90+"


@dataclass(frozen=True)
class Extra:
    """What ``compute`` needs beyond the period's events and messages (all optional)."""

    # debtor → moments a message went to them (not failed) or came from them, looking back
    # SELF_CURE_DAYS before the period
    contact_times: dict[int, list[datetime]] = field(default_factory=dict)
    oldest_due: dict[int, date] = field(default_factory=dict)  # debtor → oldest debt's due
    open_balance: Decimal = ZERO  # still open in collection today


@dataclass(frozen=True)
class Filters:
    """Narrow the results to some conversations (empty = all)."""

    channel: str = ""
    language: str = ""
    agent: int | None = None
    segment: str = ""
    dpd: str = ""  # one of DPD_BUCKETS, days past due of the debtor's oldest open debt
    step: str = ""  # a cadence step's template: debtors sent that reminder by the period's end

    @property
    def any(self) -> bool:
        return bool(
            self.channel or self.language or self.agent or self.segment or self.dpd or self.step
        )


@dataclass(frozen=True)
class AgentFigures:
    agent_id: int
    taken: int = 0
    promises: int = 0
    agreements: int = 0


@dataclass(frozen=True)
class EventRow:
    kind: str
    at: datetime
    actor: str
    conversation_id: int | None
    data: dict[str, object]
    debtor_id: int | None = None


@dataclass(frozen=True)
class MessageRow:
    conversation_id: int
    direction: str
    status: str
    intent: str | None
    confidence: float | None
    created_at: datetime


@dataclass(frozen=True)
class DayFigures:
    day: date
    contacts: int
    replied: int
    promises: int
    recovered: Decimal
    opt_outs: int = 0
    payments: int = 0


@dataclass(frozen=True)
class Results:
    start: date
    end: date
    contacts: int = 0
    replied: int = 0
    right_party: int = 0
    promises_made: int = 0
    promises_kept: int = 0
    promises_broken: int = 0
    agreements: int = 0
    amount_promised: Decimal = ZERO
    amount_recovered: Decimal = ZERO
    handoffs: int = 0
    resolved_without_human: int = 0
    opt_outs: int = 0
    inbound: int = 0
    not_understood: int = 0
    parsed: int = 0
    attempted: int = 0
    failed_deliveries: int = 0
    payers: int = 0
    self_cured: int = 0
    open_balance: Decimal = ZERO
    days: tuple[DayFigures, ...] = field(default=())
    agents: tuple[AgentFigures, ...] = field(default=())
    recovered_by_dpd: tuple[tuple[str, Decimal], ...] = field(default=())

    @property
    def promise_rate(self) -> Decimal | None:
        return ratio(self.promises_made, self.right_party)

    @property
    def failed_rate(self) -> Decimal | None:
        return ratio(self.failed_deliveries, self.attempted)

    @property
    def self_cure_rate(self) -> Decimal | None:
        return ratio(self.self_cured, self.payers)

    @property
    def recovered_share(self) -> Decimal | None:
        whole = self.open_balance + self.amount_recovered
        if whole <= ZERO:
            return None
        return self.amount_recovered / whole

    @property
    def reply_rate(self) -> Decimal | None:
        return ratio(self.replied, self.contacts)

    @property
    def kept_rate(self) -> Decimal | None:
        return ratio(self.promises_kept, self.promises_kept + self.promises_broken)

    @property
    def handoff_rate(self) -> Decimal | None:
        return ratio(self.handoffs, self.replied)

    @property
    def resolved_without_human_rate(self) -> Decimal | None:
        return ratio(self.resolved_without_human, self.replied)

    @property
    def opt_out_rate(self) -> Decimal | None:
        return ratio(self.opt_outs, self.contacts)

    @property
    def not_understood_rate(self) -> Decimal | None:
        return ratio(self.not_understood, self.parsed)

    def rows(self) -> list[tuple[str, str]]:
        """(metric, value) pairs for the CSV export, rates as fractions with 4 places."""

        def fmt(value: Decimal | None) -> str:
            return "" if value is None else str(value.quantize(Decimal("0.0001")))

        return [
            ("period_start", self.start.isoformat()),
            ("period_end", self.end.isoformat()),
            ("contacts", str(self.contacts)),
            ("replied", str(self.replied)),
            ("reply_rate", fmt(self.reply_rate)),
            ("right_party_contacts", str(self.right_party)),
            ("promises_made", str(self.promises_made)),
            ("promises_kept", str(self.promises_kept)),
            ("promises_broken", str(self.promises_broken)),
            ("promise_kept_rate", fmt(self.kept_rate)),
            ("agreements", str(self.agreements)),
            ("amount_promised", str(self.amount_promised)),
            ("amount_recovered", str(self.amount_recovered)),
            ("resolved_without_human", str(self.resolved_without_human)),
            ("resolved_without_human_rate", fmt(self.resolved_without_human_rate)),
            ("handed_off", str(self.handoffs)),
            ("handoff_rate", fmt(self.handoff_rate)),
            ("opt_outs", str(self.opt_outs)),
            ("opt_out_rate", fmt(self.opt_out_rate)),
            ("inbound_messages", str(self.inbound)),
            ("not_understood", str(self.not_understood)),
            ("not_understood_rate", fmt(self.not_understood_rate)),
            ("promise_rate", fmt(self.promise_rate)),
            ("messages_attempted", str(self.attempted)),
            ("failed_deliveries", str(self.failed_deliveries)),
            ("failed_delivery_rate", fmt(self.failed_rate)),
            ("debtors_who_paid", str(self.payers)),
            ("self_cured", str(self.self_cured)),
            ("self_cure_rate", fmt(self.self_cure_rate)),
            ("open_balance", str(self.open_balance)),
            ("recovered_share", fmt(self.recovered_share)),
        ]


def ratio(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return Decimal(part) / Decimal(whole)


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


def period_bounds(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    """[start 00:00, the day after ``end`` 00:00) in the business timezone."""
    tz = ZoneInfo(timezone)
    return (
        datetime.combine(start, time(0), tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz),
    )


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
    from bot.web.kpi_queries import load

    return load(
        session, start=start, end=end, timezone=timezone, threshold=threshold, filters=filters
    )
