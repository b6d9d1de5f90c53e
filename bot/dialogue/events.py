"""Events that are not a user turn: reminders, confirmed payments, an agent handing back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.dialogue.actions import Action
from bot.dialogue.context import AgentReleased, Context, PaymentConfirmed, Reminder
from bot.dialogue.handlers_identity import context_vars
from bot.dialogue.names import REMINDER_TEMPLATES
from bot.dialogue.state import ConversationState
from bot.dialogue.turn import Step, money_str, say


def _needs_identity(state: ConversationState, ctx: Context) -> bool:
    return ctx.settings.identity_check == "confirm_name" and not state.verified


def _silent(state: ConversationState) -> bool:
    return state.opted_out or state.phase == "closed"


def on_reminder(state: ConversationState, event: Reminder, ctx: Context) -> Step:
    """The cadence contacts the person: name the business, say how to stop.

    Unverified (``identity_check: confirm_name``): only "falo com {first_name}?".
    """
    if _silent(state):
        return Step([], state)
    first_contact = not state.introduced
    common: dict[str, Any] = {"first_contact": first_contact, "template": event.template}
    if _needs_identity(state, ctx):
        reply = say("reminder_confirm_name", ctx, **common)
        phase = "awaiting_identity"
    else:
        name = (
            f"reminder_{event.template}"
            if event.template in REMINDER_TEMPLATES
            else "reminder_generic"
        )
        values = {**context_vars(state, ctx), **common, **event.vars}
        if ctx.balance.total > 0:
            # The cadence plans with principal only; the person reads what settles the debt
            # today (with the book's charges), as in every other message.
            values["total"] = money_str(ctx.balance.total)
            promised = event.vars.get("promise_amount")
            if promised is not None and Decimal(str(promised)) > ctx.balance.total:
                # a part paid since the promise ("150 hj e o resto dia 10"): what is left
                values["promise_amount"] = money_str(ctx.balance.total)
        reply = say(name, ctx, **values)
        active = ctx.agreement is not None and ctx.agreement.status == "active"
        phase = "agreement" if active else "open"
    new_state = state.evolve(
        phase=phase,
        introduced=True,
        last_reminder=event.template,
        on_screen=(),
        pending_plan=None,
        not_understood_streak=0,
        resume_phase=None,
        handoff_reason=None,
    )
    return Step([reply], new_state)


def on_payment(state: ConversationState, event: PaymentConfirmed, ctx: Context) -> Step:
    """A payment the business confirmed: thank the person."""
    new_state = state.evolve(awaiting_receipt=False)
    if _silent(state):
        return Step([], new_state)
    if state.phase == "awaiting_receipt":
        new_state = new_state.evolve(phase="open")
    left = event.left
    in_agreement = ctx.agreement is not None and ctx.agreement.status == "active"
    if left and not in_agreement and ctx.balance.total > 0:
        # what settles it today, fine and interest included: the figure every later message
        # gives ("em aberto agora: R$ 700,00", then a promise of R$ 716,57, read as two debts)
        left = ctx.balance.total
    reply = say(
        "payment_thanks",
        ctx,
        amount=money_str(event.amount),
        settled_all=event.settled_all,
        left=money_str(left) if left else None,
        verified=state.verified or ctx.settings.identity_check == "none",
    )
    return Step([reply], new_state)


def on_agent_released(state: ConversationState, event: AgentReleased, ctx: Context) -> Step:
    """The agent handed back: pick the conversation up where it was, with its context."""
    phase = state.resume_phase or "open"
    if phase in ("with_agent", "new"):
        phase = "open"
    if ctx.agreement is not None and ctx.agreement.status == "active":
        phase = "agreement"
    if _needs_identity(state, ctx):
        phase = "awaiting_identity"
    new_state = state.evolve(
        phase=phase,
        resume_phase=None,
        handoff_reason=None,
        not_understood_streak=0,
        insult_count=0,
        extra={k: v for k, v in state.extra.items() if k != "human_offered"},
    )
    if state.phase == "closed":
        return Step([], state)
    verified = state.verified or ctx.settings.identity_check == "none"
    values: dict[str, Any] = {"verified": verified, "phase": phase}
    if verified:
        values.update(context_vars(state, ctx))
    actions: list[Action] = [say("agent_released", ctx, **values)]
    return Step(actions, new_state)
