"""What a handler gets (a Turn) and gives back (a Step), and the vars replies are built with.

Reply vars are JSON-friendly on purpose (money as "1234.50", dates as "2026-11-27"), so the
runtime can store a reply and render it again; the response filters accept those strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from bot.core.domain import DebtView, Media, Plan
from bot.core.money import ZERO
from bot.core.parse import Parse
from bot.dialogue.actions import Action, Reply
from bot.dialogue.context import Context
from bot.dialogue.flows import Flows
from bot.dialogue.names import RESPONSES
from bot.dialogue.state import ConversationState


@dataclass(frozen=True)
class Turn:
    """One user turn as a handler sees it."""

    state: ConversationState
    ctx: Context
    parse: Parse
    flows: Flows
    media: tuple[Media, ...] = ()
    # The intent the dialogue acts on: the parsed one, a clause's, or "not_understood"
    # (None: the parse's own intent, for turns built outside the engine).
    intent: str | None = None

    @property
    def acted_intent(self) -> str:
        return self.intent if self.intent is not None else self.parse.intent

    @property
    def language(self) -> str:
        return self.state.language or self.ctx.debtor.language or "pt"

    @property
    def can_disclose(self) -> bool:
        """Debt details may be given: verified, or the deployment does not check identity."""
        return self.state.verified or self.ctx.settings.identity_check == "none"

    @property
    def debts(self) -> tuple[DebtView, ...]:
        return open_debts(self.ctx)

    @property
    def topics(self) -> frozenset[str]:
        """The question topics the message holds ("pay_at_store", "deadline", ...)."""
        return frozenset(str(v) for v in self.parse.all_values("topic"))

    def says(self, group: str) -> bool:
        """Whether the message holds one of the ``group`` keywords of ``dialogues/flows.yml``
        in the conversation's language (compared without accents, lower case)."""
        text = normalise(self.parse.text)
        return any(normalise(k) in text for k in self.flows.keywords_for(group, self.language))

    def step(self, *actions: Action, **changes: Any) -> Step:
        """A Step with ``actions`` and the state changed by ``changes``."""
        return Step(list(actions), self.state.evolve(**changes) if changes else self.state)


@dataclass
class Step:
    actions: list[Action] = field(default_factory=list)
    state: ConversationState = field(default_factory=ConversationState)


Handler = Callable[[Turn], Step]


def say(name: str, ctx: Context, *, attach_pix_qr: bool = False, **values: Any) -> Reply:
    """A Reply with the common vars (first name) plus ``values``."""
    if name not in RESPONSES:
        raise KeyError(f"response {name!r} is not declared in bot.dialogue.names")
    base: dict[str, Any] = {"first_name": ctx.debtor.first_name}
    base.update(values)
    return Reply(response=name, vars=base, attach_pix_qr=attach_pix_qr)


def open_debts(ctx: Context) -> tuple[DebtView, ...]:
    """Debts still being collected (not disputed, not already in an agreement)."""
    return tuple(d for d in ctx.debts if d.status == "open" and d.balance > ZERO)


def money_str(value: Decimal) -> str:
    return f"{value:.2f}"


def debt_vars(ctx: Context) -> dict[str, Any]:
    """What may be said about the debt once the person is verified."""
    debts = open_debts(ctx) or ctx.debts
    bal = ctx.balance
    oldest = min((d.due for d in debts), default=None)
    return {
        "total": money_str(bal.total),
        "principal": money_str(bal.principal),
        "late_fee": money_str(bal.late_fee),
        "interest": money_str(bal.interest),
        "has_charges": bal.late_fee + bal.interest > ZERO,
        "days_overdue": bal.days_overdue,
        "overdue": bal.days_overdue > 0,
        "oldest_due": oldest.isoformat() if oldest else None,
        "description": ", ".join(d.description for d in debts),
        "debts": [
            {
                "ref": d.ref,
                "description": d.description,
                "amount": money_str(d.balance),
                "due": d.due.isoformat(),
                "overdue": d.due < ctx.today,
            }
            for d in debts
        ],
        "debt_count": len(debts),
    }


def plan_vars(plan: Plan, number: int | None = None) -> dict[str, Any]:
    """A plan as reply vars; ``payments`` lists every payment (the text shows each date, and
    ``last_differs`` says when the last one absorbs a few cents of rounding)."""
    down = plan.down_payment
    regular = [p for p in plan.payments if p.number > 0]
    last = regular[-1] if regular else None
    return {
        "payments": [
            {"number": p.number, "due": p.due.isoformat(), "amount": money_str(p.amount)}
            for p in plan.payments
        ],
        "last_amount": money_str(last.amount) if last else None,
        "last_differs": bool(last and len(regular) > 1 and last.amount != regular[0].amount),
        "number": number,
        "offer_id": plan.offer_id,
        "kind": plan.kind,
        "in_full": plan.kind == "pay_in_full",
        "installments": plan.installments,
        "installment_amount": money_str(plan.installment_amount),
        "total": money_str(plan.total),
        "balance": money_str(plan.balance),
        "first_due": plan.first_due.isoformat(),
        "down_payment": money_str(down),
        "has_down_payment": down > ZERO,
        "discount_percent": str(plan.discount_percent),
        "has_discount": plan.discount_percent > ZERO,
        "savings": money_str(plan.savings),
        "has_savings": plan.savings > ZERO,
        "monthly_rate_percent": str(plan.monthly_rate_percent),
        "has_interest": plan.monthly_rate_percent > ZERO,
        "needs_approval": plan.needs_approval,
    }


def as_date(value: object) -> date | None:
    """A date entity's value (ISO, maybe with a time) as a date; None when there is none."""
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def as_amount(value: object) -> Decimal | None:
    """An amount entity's value (a decimal string) as a positive Decimal; None otherwise."""
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:  # decimal.InvalidOperation
        return None
    return amount if amount > 0 else None


def payment_reference(*parts: str) -> str:
    """A reference usable as a PIX txid: letters and digits only, at most 25."""
    return re.sub(r"[^A-Za-z0-9]", "", "".join(parts))[:25] or "QUITA"


_UNACCENT = str.maketrans("áàâãäéèêëíìîïóòôõöúùûüç", "aaaaaeeeeiiiiooooouuuuc")


def normalise(text: str) -> str:
    """Lower case without accents, for keyword checks."""
    return " ".join(text.lower().translate(_UNACCENT).split())
