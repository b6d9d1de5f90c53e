"""What the dialogue remembers between turns, stored by the runtime as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal
from typing import Any

from bot.core.domain import Plan, ScheduledPayment

PHASES: tuple[str, ...] = (
    "new",  # nothing said yet
    "awaiting_identity",  # asked "falo com Maria?" (identity_check: confirm_name)
    "open",  # talking about the debt, nothing pending
    "awaiting_promise_date",  # the person will pay and we asked which day
    "offers_presented",  # plans on screen, waiting for a choice
    "confirming_plan",  # a plan summarised, waiting for "fechado"
    "awaiting_receipt",  # "já paguei": waiting for the receipt
    "agreement",  # an agreement was just made
    "with_agent",  # handed off: the bot stays silent until released
    "closed",  # wrong person: never write again
)


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """A Plan as JSON-friendly data: Decimal as strings, dates in ISO format."""
    return {
        "offer_id": plan.offer_id,
        "kind": plan.kind,
        "balance": str(plan.balance),
        "total": str(plan.total),
        "payments": [
            {"number": p.number, "due": p.due.isoformat(), "amount": str(p.amount)}
            for p in plan.payments
        ],
        "down_payment": str(plan.down_payment),
        "discount_percent": str(plan.discount_percent),
        "monthly_rate_percent": str(plan.monthly_rate_percent),
        "waived": list(plan.waived),
        "needs_approval": plan.needs_approval,
    }


def plan_from_dict(data: dict[str, Any]) -> Plan:
    """The inverse of :func:`plan_to_dict`."""
    return Plan(
        offer_id=str(data["offer_id"]),
        kind=str(data["kind"]),
        balance=Decimal(str(data["balance"])),
        total=Decimal(str(data["total"])),
        payments=tuple(
            ScheduledPayment(
                number=int(p["number"]),
                due=date.fromisoformat(str(p["due"])),
                amount=Decimal(str(p["amount"])),
            )
            for p in data.get("payments", ())
        ),
        down_payment=Decimal(str(data.get("down_payment", "0.00"))),
        discount_percent=Decimal(str(data.get("discount_percent", "0"))),
        monthly_rate_percent=Decimal(str(data.get("monthly_rate_percent", "0"))),
        waived=tuple(str(w) for w in data.get("waived", ())),
        needs_approval=bool(data.get("needs_approval", False)),
    )


# Keys of ``ConversationState.extra`` that hold for the next message only: the engine drops
# one the turn left unchanged (a handler that wants it again counts it up).
PLAN_LATER = "plan_later"  # "vou ver e te falo" while a plan waited for a yes
# the promise this message made ({"amount", "due"}): the PIX asked in the same message
# ("hoje consigo 300, manda o pix") is for it; gone after the turn (stored by then)
PROMISED_NOW = "promised_now"
# "me chama depois das 18h" just answered: an "ok" next is to that, not a yes to paying now
TALK_LATER = "talk_later"
ONE_TURN_KEYS: tuple[str, ...] = (PLAN_LATER, PROMISED_NOW, TALK_LATER)
# Key of ``ConversationState.extra``: why the chat was closed ("relative": someone of the
# household answered; the debtor may take the phone later)
CLOSED_BY = "closed_by"
# Key of ``ConversationState.extra``: payment methods the person said they cannot use
# ("não uso pix"): what is sent later (the first installment's payment) keeps to the others
NO_METHODS = "no_methods"


@dataclass(frozen=True)
class ConversationState:
    """The memory of one conversation. Frozen: every change makes a new state.

    ``language`` is the language replies are rendered in (None until first decided).
    ``offers_page`` counts pages of the offer list already shown; ``offers_shown`` holds every
    offer id shown so far; ``on_screen`` the plans of the last offer message (what "2" means);
    ``pending_plan`` the plan summarised and awaiting "fechado".
    """

    phase: str = "new"
    verified: bool = False
    language: str | None = None
    introduced: bool = False
    not_understood_streak: int = 0
    insult_count: int = 0
    offers_page: int = 0
    offers_segment: str | None = None
    offers_shown: tuple[str, ...] = ()
    on_screen: tuple[Plan, ...] = ()
    pending_plan: Plan | None = None
    last_reminder: str | None = None
    opted_out: bool = False
    awaiting_receipt: bool = False
    resume_phase: str | None = None
    handoff_reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # room for company flows

    def evolve(self, **changes: Any) -> ConversationState:
        """A copy with ``changes`` applied (as ``dataclasses.replace``, shallow).

        Copies the attributes instead of calling ``replace``, which re-runs ``__init__``
        over every field: a turn evolves its state about five times. A name that is not a
        field still goes through ``replace``, to fail as it always did."""
        if not changes.keys() <= _STATE_FIELDS:
            return replace(self, **changes)
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.__dict__.update(changes)
        return copy

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly data (``json.dumps`` works on it as is)."""
        return {
            "phase": self.phase,
            "verified": self.verified,
            "language": self.language,
            "introduced": self.introduced,
            "not_understood_streak": self.not_understood_streak,
            "insult_count": self.insult_count,
            "offers_page": self.offers_page,
            "offers_segment": self.offers_segment,
            "offers_shown": list(self.offers_shown),
            "on_screen": [plan_to_dict(p) for p in self.on_screen],
            "pending_plan": None if self.pending_plan is None else plan_to_dict(self.pending_plan),
            "last_reminder": self.last_reminder,
            "opted_out": self.opted_out,
            "awaiting_receipt": self.awaiting_receipt,
            "resume_phase": self.resume_phase,
            "handoff_reason": self.handoff_reason,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ConversationState:
        """Rebuild a state; unknown keys are ignored and missing ones take their defaults."""
        if not data:
            return cls()
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        if "offers_shown" in values:
            values["offers_shown"] = tuple(str(x) for x in values["offers_shown"] or ())
        if "on_screen" in values:
            values["on_screen"] = tuple(plan_from_dict(p) for p in values["on_screen"] or ())
        if values.get("pending_plan") is not None:
            values["pending_plan"] = plan_from_dict(values["pending_plan"])
        if "extra" in values:
            values["extra"] = dict(values["extra"] or {})
        if values.get("phase") not in PHASES:
            values.pop("phase", None)
        return cls(**values)


_STATE_FIELDS = frozenset(f.name for f in fields(ConversationState))
