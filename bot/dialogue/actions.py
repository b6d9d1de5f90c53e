"""What the dialogue decides, as data. The runtime carries these out in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bot.core.domain import Plan
from bot.core.enums import ChoiceKind


@dataclass(frozen=True)
class Choice:
    """One answer a person may tap. ``id`` is what comes back (``bot.dialogue.choices``);
    ``label`` (and the longer, optional ``detail``) name responses in ``dialogues/``,
    rendered with ``vars`` in the conversation's language."""

    id: str
    label: str
    vars: dict[str, Any] = field(default_factory=dict)
    detail: str | None = None


@dataclass(frozen=True)
class Choices:
    """The answers offered with a reply; ``kind`` says which interactive form fits."""

    kind: ChoiceKind
    items: tuple[Choice, ...]


@dataclass(frozen=True)
class Reply:
    """Say something: a named response from ``dialogues/``, rendered with ``vars``.
    ``choices`` are the answers a person may tap instead of typing (yes/no, identity, options).

    ``options`` become quick-reply buttons where the channel has them (title, payload).
    ``variant`` picks the text among the response's variants (None: the renderer's seed);
    the engine sets it so a response never repeats the variant it had the time before.
    """

    response: str
    vars: dict[str, Any] = field(default_factory=dict)
    options: tuple[tuple[str, str], ...] = ()
    choices: Choices | None = None
    attach_pix_qr: bool = False
    variant: int | None = None


@dataclass(frozen=True)
class RecordPromise:
    due: date
    amount: Decimal


@dataclass(frozen=True)
class WithdrawPromise:
    """The open promise is off ("não vou conseguir pagar sexta" with Friday promised): no
    "today is the day" reminder for it, and it does not count as broken."""


@dataclass(frozen=True)
class PresentOffers:
    plans: tuple[Plan, ...]


@dataclass(frozen=True)
class RefuseOffers:
    offer_ids: tuple[str, ...]


@dataclass(frozen=True)
class CreateAgreement:
    plan: Plan
    needs_approval: bool = False


@dataclass(frozen=True)
class SendPaymentInfo:
    amount: Decimal
    reference: str
    method: str = "pix"  # pix | boleto | link | card | transfer | cash
    debt_refs: tuple[str, ...] = ()  # only these debts ("só o liquidificador"); () = as due


@dataclass(frozen=True)
class HandOff:
    reason: str  # request_human | dispute | approval | insult | not_understood | other


@dataclass(frozen=True)
class OptOut:
    pass


@dataclass(frozen=True)
class MarkContactInvalid:
    pass


@dataclass(frozen=True)
class OpenDispute:
    debt_refs: tuple[str, ...]
    text: str = ""


@dataclass(frozen=True)
class ScheduleContact:
    at: datetime
    reason: str  # callback_later | no_means | follow_up


@dataclass(frozen=True)
class PauseReminders:
    until: date
    reason: str  # already_paid


@dataclass(frozen=True)
class KeepReceipt:
    """An image or document sent after "já paguei": kept for an agent to check."""

    media_url: str | None
    content_type: str | None


@dataclass(frozen=True)
class LogEvent:
    """Anything else worth the audit trail (offer refused, identity confirmed...)."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)


Action = (
    Reply
    | RecordPromise
    | WithdrawPromise
    | PresentOffers
    | RefuseOffers
    | CreateAgreement
    | SendPaymentInfo
    | HandOff
    | OptOut
    | MarkContactInvalid
    | OpenDispute
    | ScheduleContact
    | PauseReminders
    | KeepReceipt
    | LogEvent
)
