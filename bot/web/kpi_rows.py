"""The results page's data: the rows ``compute`` reads, the filters, the figures it returns
(with their rates) and the period's bounds. What each figure means: ``bot.web.kpis``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.core.money import ZERO

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


def period_bounds(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    """[start 00:00, the day after ``end`` 00:00) in the business timezone."""
    tz = ZoneInfo(timezone)
    return (
        datetime.combine(start, time(0), tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz),
    )
