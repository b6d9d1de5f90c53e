"""What the dialogue is given: the event that happened and the facts around it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from bot.core.domain import (
    AgreementView,
    BalanceBreakdown,
    DebtorView,
    DebtView,
    Media,
    Plan,
    PromiseView,
)
from bot.core.parse import Parse

# --- events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserTurn:
    """The debtor wrote (text already parsed) or sent media."""

    parse: Parse
    media: tuple[Media, ...] = ()


@dataclass(frozen=True)
class Reminder:
    """The cadence decided to contact the debtor now with ``template`` (e.g. "due_soon",
    "due_today", "overdue", "promise_day", "promise_broken", "installment_due", "callback",
    "thank_you")."""

    template: str
    vars: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentConfirmed:
    amount: Decimal
    debt_ref: str | None = None
    settled_all: bool = False
    left: Decimal | None = None  # still owed after this payment


@dataclass(frozen=True)
class AgentReleased:
    """An agent handed the chat back to the bot."""


Event = UserTurn | Reminder | PaymentConfirmed | AgentReleased


# --- context ------------------------------------------------------------------------------


class OfferSource(Protocol):
    """The part of the offer book the dialogue uses (``bot.offers.book.OfferBook``)."""

    @property
    def promise_max_days(self) -> int: ...

    def balance(self, debts: Sequence[DebtView], today: date) -> BalanceBreakdown: ...

    def plans_for(
        self,
        debts: Sequence[DebtView],
        today: date,
        *,
        segment: str | None = None,
        first_due_days: int = 3,
    ) -> list[Plan]: ...

    def propose(
        self,
        debts: Sequence[DebtView],
        today: date,
        *,
        installments: int | None = None,
        monthly_amount: Decimal | None = None,
        down_payment: Decimal | None = None,
        segment: str | None = None,
        first_due_days: int = 3,
    ) -> object: ...  # bot.offers.book.Proposal(plan, exact, reason)


@dataclass(frozen=True)
class DialogueSettings:
    business_name: str
    business_cnpj: str
    business_phone: str
    assistant_name: str
    identity_check: str  # none | confirm_name
    nlu_threshold: float
    offers_per_message: int = 2
    already_paid_pause_business_days: int = 3
    first_due_days: int = 3
    callback_default_hours: int = 3
    agent_hours_text: str = ""  # e.g. "seg a sex, 9h às 18h"
    no_means_followup_days: int = 7  # "no means at all": try again this many days later
    agreement_grace_days: int = 5  # an installment this many days late breaks the agreement
    # The shop's facts for answering questions (config ``business.*``); texts per language.
    business_address: str = ""
    business_website: str = ""
    merchant_name: str = ""  # the PIX beneficiary shown in the debtor's bank app
    store_hours: Mapping[str, str] = field(default_factory=dict)  # {"pt": ..., "en": ...}
    # weekdays the counter opens (0 = Monday), read from store_hours; empty: not known
    store_open_days: frozenset[int] = frozenset()
    store_payment_methods: tuple[str, ...] = ()  # accepted at the counter
    remote_payment_methods: tuple[str, ...] = ("pix",)  # what the bot can send
    credit_bureau_policy: Mapping[str, str] = field(default_factory=dict)
    verification_hint: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentView:
    """A payment the business confirmed, for "já paguei 200, pq ta cobrando tudo?"."""

    amount: Decimal
    paid_on: date  # the debtor's local date
    debt_ref: str | None = None


@dataclass(frozen=True)
class Context:
    """Facts for one decision. ``now`` is aware, ``today`` is the local date of the debtor."""

    now: datetime
    today: date
    debtor: DebtorView
    debts: tuple[DebtView, ...]
    balance: BalanceBreakdown
    offers: OfferSource
    settings: DialogueSettings
    open_promise: PromiseView | None = None
    agreement: AgreementView | None = None
    channel: str = "whatsapp"
    seed: int = 0  # picks response variants deterministically
    payments: tuple[PaymentView, ...] = ()  # recent confirmed payments, newest first
    # the debtor's holidays this year and next (for business days); given, never looked up
    holidays: frozenset[date] = frozenset()
