"""What the planner reads (DebtorFacts) and what it decides (PlannedContact). No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from bot.core.money import ZERO


class ContactKind(StrEnum):
    STEP = "step"  # a step of the debt cadence: due_soon, due_today, overdue
    PROMISE_DAY = "promise_day"
    PROMISE_BROKEN = "promise_broken"
    INSTALLMENT = "installment"
    CALLBACK = "callback"
    THANK_YOU = "thank_you"


@dataclass(frozen=True)
class DebtFact:
    ref: str
    due: date
    balance: Decimal
    status: str = "open"  # open | in_agreement (only debts still owed are given)


@dataclass(frozen=True)
class PromiseFact:
    id: int
    due: date
    amount: Decimal


@dataclass(frozen=True)
class InstallmentFact:
    agreement_id: int
    number: int  # 0 = down payment
    due: date
    amount: Decimal
    paid: bool = False


@dataclass(frozen=True)
class CallbackFact:
    """A scheduled contact ("me chama mais tarde"); ``done`` once sent or replaced."""

    id: int
    at: datetime
    reason: str = "callback_later"
    done: bool = False


@dataclass(frozen=True)
class DebtorFacts:
    """Everything the planner needs about one debtor, loaded in bulk by ``facts.py``.

    ``sent_keys`` holds the idempotency keys of the reminders sent over the planner's
    history window (:func:`bot.cadence.planner.history_days`); ``business_sends`` the times
    of the business-initiated messages of the last 7 days (for the weekly cap).
    """

    debtor_id: int
    ref: str = ""
    timezone: str | None = None  # None: the deployment's
    state: str | None = None  # UF, for state holidays
    debts: tuple[DebtFact, ...] = ()
    promise: PromiseFact | None = None  # the open promise, if any
    last_promise_due: date | None = None  # due date of the latest resolved promise
    agreement_status: str | None = None  # active | pending_approval | None
    installments: tuple[InstallmentFact, ...] = ()  # of the active agreement
    callbacks: tuple[CallbackFact, ...] = ()
    sent_keys: frozenset[str] = frozenset()
    business_sends: tuple[datetime, ...] = ()
    opted_out: bool = False
    contact_invalid: bool = False
    disputed: bool = False
    agent_holding: bool = False
    paused_until: date | None = None  # no reminders on or before this local date
    settled_at: datetime | None = None  # when the last payment settled everything

    @property
    def balance(self) -> Decimal:
        return sum((debt.balance for debt in self.debts), ZERO)

    @property
    def open_installments(self) -> tuple[InstallmentFact, ...]:
        return tuple(i for i in self.installments if not i.paid)

    @property
    def paid(self) -> bool:
        """Nothing owed: no open balance and no unpaid installment."""
        return self.balance <= ZERO and not self.open_installments

    def after_send(self, contact: PlannedContact) -> DebtorFacts:
        """These facts once ``contact`` went out (for previews and simulations)."""
        return replace(
            self,
            sent_keys=self.sent_keys | {contact.idempotency_key},
            business_sends=(*self.business_sends, contact.at),
        )


@dataclass(frozen=True)
class PlannedContact:
    """The next business-initiated contact of one debtor."""

    debtor_id: int
    at: datetime  # aware, in the debtor's timezone, inside a contact window
    template: str  # one of TEMPLATES
    idempotency_key: str  # f"{debtor_id}:{step}:{local date of the step}"
    kind: ContactKind
    step: str  # e.g. "d-3", "d+7", "promise_day", "inst12.2-2", "callback5"
    vars: dict[str, str] = field(default_factory=dict)

    def due(self, now: datetime) -> bool:
        """True when it should go in a pass running at ``now``."""
        return self.at <= now
