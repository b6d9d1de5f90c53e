"""Domain types shared by every stage. Frozen dataclasses, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from bot.core.enums import ChannelName, ConversationStatus, DeliveryStatus
from bot.core.money import ZERO

__all__ = ["ChannelName", "ConversationStatus", "DeliveryStatus"]  # their home: core.enums


@dataclass(frozen=True)
class DebtorView:
    id: int
    ref: str
    name: str
    language: str
    document: str | None = None
    segment: str | None = None
    timezone: str | None = None
    state: str | None = None  # Brazilian state (UF), for state holidays

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name


@dataclass(frozen=True)
class DebtView:
    id: int
    ref: str
    description: str
    amount: Decimal  # principal as sold
    due: date
    paid: Decimal = ZERO
    status: str = "open"  # open | paid | disputed | in_agreement | written_off

    @property
    def balance(self) -> Decimal:
        return max(self.amount - self.paid, ZERO)

    @property
    def is_open(self) -> bool:
        return self.status in ("open", "in_agreement") and self.balance > ZERO


def first_payment_days(debts: Sequence[DebtView], today: date, configured: int) -> int:
    """How many days from ``today`` a plan's first payment falls (``offers.first_due_days``).
    With nothing due yet (a reminder before the due date), never before the earliest due
    date: splitting an installment due on the 30th must not ask for money on the 26th."""
    dues = [d.due for d in debts if d.is_open]
    if dues and min(dues) > today:
        return max(configured, (min(dues) - today).days)
    return configured


@dataclass(frozen=True)
class BalanceBreakdown:
    """What is owed today: principal plus the book's charges."""

    principal: Decimal
    late_fee: Decimal
    interest: Decimal
    days_overdue: int

    @property
    def total(self) -> Decimal:
        return self.principal + self.late_fee + self.interest


@dataclass(frozen=True)
class ScheduledPayment:
    number: int  # 0 = down payment, then 1..n
    due: date
    amount: Decimal


@dataclass(frozen=True)
class Plan:
    """A concrete, priced way to settle: pay in full or an installment schedule."""

    offer_id: str
    kind: str  # "pay_in_full" | "installments"
    balance: Decimal  # updated balance before concessions
    total: Decimal  # what the debtor pays in all
    payments: tuple[ScheduledPayment, ...]
    down_payment: Decimal = ZERO
    discount_percent: Decimal = ZERO
    monthly_rate_percent: Decimal = ZERO
    waived: tuple[str, ...] = ()
    needs_approval: bool = False

    @property
    def installments(self) -> int:
        """Number of installments after the down payment (1 for pay in full)."""
        return sum(1 for p in self.payments if p.number > 0)

    @property
    def installment_amount(self) -> Decimal:
        regular = [p.amount for p in self.payments if p.number > 0]
        return regular[0] if regular else self.total

    @property
    def first_due(self) -> date:
        return self.payments[0].due

    @property
    def savings(self) -> Decimal:
        return max(self.balance - self.total, ZERO)


@dataclass(frozen=True)
class PromiseView:
    id: int
    due: date
    amount: Decimal
    status: str  # open | kept | broken | cancelled
    created_at: datetime

    def still_owed(self, balance: Decimal) -> Decimal:
        """What is left to pay of this promise: its amount, never more than the ``balance``
        owed now ("150 hj e o resto dia 10" promised the whole balance; once the 150 is in,
        the rest's day asks for what is left, not for the whole again)."""
        return min(self.amount, balance) if balance > ZERO else self.amount


@dataclass(frozen=True)
class AgreementView:
    id: int
    offer_id: str
    total: Decimal
    status: str  # pending_approval | active | completed | broken | cancelled
    payments: tuple[ScheduledPayment, ...]
    paid_numbers: tuple[int, ...] = ()

    @property
    def pending(self) -> tuple[ScheduledPayment, ...]:
        """The payments not made yet, the next one first."""
        left = (p for p in self.payments if p.number not in self.paid_numbers)
        return tuple(sorted(left, key=lambda p: p.number))


@dataclass(frozen=True)
class Media:
    kind: str  # audio | image | document | sticker | video | other
    url: str | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    """A message from a debtor, already converted from the provider's payload."""

    channel: str
    address: str  # phone in E.164, or Telegram chat id
    provider_id: str  # Telegram update_id / Twilio MessageSid, for de-duplication
    text: str
    received_at: datetime
    media: tuple[Media, ...] = ()
    button_payload: str | None = None  # quick reply / callback data
    contact_phone: str | None = None  # Telegram contact shared by the user
    start_token: str | None = None  # Telegram /start deep-link token
    profile_name: str | None = None


@dataclass(frozen=True)
class Button:
    """A tappable answer: what it says, what comes back, and a longer line for lists."""

    title: str
    payload: str
    description: str = ""


@dataclass(frozen=True)
class OutboundMessage:
    """A message to send. ``template`` is set when it must go as an approved template."""

    channel: str
    address: str
    text: str
    buttons: tuple[Button, ...] = ()
    choice_kind: str | None = None  # yes_no | identity | options (core.enums.ChoiceKind)
    choices_button: str | None = None  # the label of the button that opens a list
    image_png: bytes | None = None
    template: str | None = None
    template_vars: dict[str, str] = field(default_factory=dict)
    message_id: int | None = None  # our id, for idempotent sends and status updates


@dataclass(frozen=True)
class SendResult:
    provider_id: str
    status: DeliveryStatus = DeliveryStatus.SENT


@dataclass(frozen=True)
class StatusUpdate:
    channel: str
    provider_id: str
    status: DeliveryStatus
    at: datetime
    error_code: str | None = None
