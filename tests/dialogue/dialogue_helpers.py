"""Builders for dialogue tests: parses, contexts, a small fake offer book. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.core.domain import (
    AgreementView,
    BalanceBreakdown,
    DebtorView,
    DebtView,
    Plan,
    PromiseView,
    ScheduledPayment,
)
from bot.core.money import ZERO
from bot.core.parse import Entity, Parse
from bot.dialogue.actions import Action, Reply
from bot.dialogue.context import Context, DialogueSettings, Event, UserTurn
from bot.dialogue.engine import Decision, decide
from bot.dialogue.responses import ResponseBook, business_vars
from bot.dialogue.state import ConversationState

ROOT = Path(__file__).resolve().parents[2]
BRT = timezone(timedelta(hours=-3))
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=BRT)  # a Monday
TODAY = NOW.date()

SETTINGS = DialogueSettings(
    business_name="Loja Exemplo",
    business_cnpj="12.345.678/0001-90",
    business_phone="(11) 4000-1234",
    assistant_name="Quita",
    identity_check="none",
    nlu_threshold=0.6,
    offers_per_message=2,
    agent_hours_text="de segunda a sexta, das 9h às 18h",
)


def monthly_plan(
    offer_id: str, total: str, n: int, *, first_due: date, needs_approval: bool = False
) -> Plan:
    amount = (Decimal(total) / n).quantize(Decimal("0.01"))
    payments = tuple(
        ScheduledPayment(i + 1, first_due + timedelta(days=30 * i), amount) for i in range(n)
    )
    kind = "pay_in_full" if n == 1 else "installments"
    return Plan(
        offer_id=offer_id,
        kind=kind,
        balance=Decimal("460.65"),
        total=Decimal(total),
        payments=payments,
        needs_approval=needs_approval,
        waived=("late_fee", "interest"),
    )


@dataclass(frozen=True)
class FakeProposal:
    plan: Plan | None
    exact: bool
    reason: str


class FakeOffers:
    """Five plans in book order; proposals of 2..6 installments are exact, more is not."""

    promise_max_days = 10

    def __init__(self) -> None:
        first = TODAY + timedelta(days=3)
        self.plans = [
            monthly_plan("full_no_fees", "450.00", 1, first_due=first),
            monthly_plan("three_x", "450.00", 3, first_due=first),
            monthly_plan("six_x", "450.00", 6, first_due=first),
            monthly_plan("big_discount", "250.00", 1, first_due=first, needs_approval=True),
            monthly_plan("ten_x", "480.00", 10, first_due=first),
        ]
        self.calls: list[dict[str, Any]] = []

    def balance(self, debts: Sequence[DebtView], today: date) -> BalanceBreakdown:
        """The debts' balances, no charges (the fake book has none)."""
        total = sum((d.balance for d in debts), Decimal("0.00"))
        return BalanceBreakdown(principal=total, late_fee=ZERO, interest=ZERO, days_overdue=0)

    def plans_for(
        self,
        debts: Sequence[DebtView],
        today: date,
        *,
        segment: str | None = None,
        first_due_days: int = 3,
    ) -> list[Plan]:
        self.calls.append({"plans_for": segment})
        return list(self.plans) if debts else []

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
    ) -> FakeProposal:
        self.calls.append(
            {"installments": installments, "monthly": monthly_amount, "down": down_payment}
        )
        first = today + timedelta(days=first_due_days)
        if installments is not None and 2 <= installments <= 6:
            return FakeProposal(
                monthly_plan(f"own_{installments}x", "450.00", installments, first_due=first),
                True,
                "exact",
            )
        if installments is not None and installments > 20:
            return FakeProposal(None, False, "too_many")
        if monthly_amount is not None:
            n = int(
                (Decimal("450.00") / monthly_amount).to_integral_value(rounding="ROUND_CEILING")
            )
            n = min(max(n, 2), 6)
            return FakeProposal(
                monthly_plan(f"own_{n}x", "450.00", n, first_due=first),
                monthly_amount >= Decimal("75.00"),
                "monthly",
            )
        return FakeProposal(monthly_plan("six_x", "450.00", 6, first_due=first), False, "nearest")


def make_parse(
    intent: str, *, conf: float = 0.95, lang: str = "pt", text: str | None = None, **entities: Any
) -> Parse:
    """A Parse with entities given as keyword arguments (date="2026-11-27", option=2...)."""
    ents = tuple(
        Entity(entity=name, value=value, start=0, end=1, text=str(value))
        for name, value in entities.items()
    )
    return Parse(
        text=text if text is not None else intent.replace("_", " "),
        language=lang,
        intent=intent,
        confidence=conf,
        intent_ranking=((intent, conf),),
        entities=ents,
    )


def make_ctx(
    *,
    language: str = "pt",
    identity_check: str = "none",
    offers: Any = None,
    debts: tuple[DebtView, ...] | None = None,
    promise: PromiseView | None = None,
    agreement: AgreementView | None = None,
    now: datetime = NOW,
    **settings: Any,
) -> Context:
    name = "Paula Lima" if language == "pt" else "Mary Jones"
    debtor = DebtorView(id=1, ref="D-1", name=name, language=language)
    if debts is None:
        debts = (DebtView(1, "X-1", "Guarda-roupa", Decimal("450.00"), date(2026, 11, 12)),)
    return Context(
        now=now,
        today=now.date(),
        debtor=debtor,
        debts=debts,
        balance=BalanceBreakdown(Decimal("450.00"), Decimal("9.00"), Decimal("1.65"), 11),
        offers=offers if offers is not None else FakeOffers(),
        settings=replace(SETTINGS, identity_check=identity_check, **settings),
        open_promise=promise,
        agreement=agreement,
        seed=7,
    )


def user(intent: str, **kwargs: Any) -> UserTurn:
    return UserTurn(make_parse(intent, **kwargs))


def replies(decision: Decision) -> list[str]:
    return [a.response for a in decision.actions if isinstance(a, Reply)]


def of_type(decision: Decision, kind: type) -> list[Action]:
    return [a for a in decision.actions if isinstance(a, kind)]


class Conversation:
    """Drive decide() turn by turn, rendering every reply strictly in the state's language."""

    def __init__(self, ctx: Context, book: ResponseBook, state: ConversationState | None = None):
        self.ctx = ctx
        self.book = book
        self.state = state or ConversationState()
        self.texts: list[str] = []

    def send(self, event: Event) -> Decision:
        decision = decide(self.state, event, self.ctx)
        # the stored state survives a JSON round trip
        assert ConversationState.from_dict(decision.state.to_dict()) == decision.state
        self.state = decision.state
        lang = self.state.language or "pt"
        for action in decision.actions:
            if isinstance(action, Reply):
                text = self.book.render(
                    action, lang, seed=self.ctx.seed, business=business_vars(self.ctx.settings)
                )
                assert text.strip()
                self.texts.append(text)
        return decision

    def say(self, intent: str, **kwargs: Any) -> Decision:
        kwargs.setdefault("lang", self.ctx.debtor.language)
        return self.send(user(intent, **kwargs))
