"""Who we are talking to: name confirmation, wrong person, "who is this?"."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from bot.dialogue.actions import LogEvent, MarkContactInvalid
from bot.dialogue.context import Context
from bot.dialogue.state import CLOSED_BY, ConversationState
from bot.dialogue.turn import Step, Turn, debt_vars, normalise, say


def context_vars(state: ConversationState, ctx: Context) -> dict[str, Any]:
    """Debt facts plus the open promise or agreement, for a verified person."""
    values: dict[str, Any] = debt_vars(ctx)
    promise = ctx.open_promise
    if promise is not None and promise.status == "open":
        values["promise_due"] = promise.due.isoformat()
        values["promise_today"] = promise.due == ctx.today  # "combinado para hoje"
        values["promise_amount"] = f"{promise.still_owed(ctx.balance.total):.2f}"
    agreement = ctx.agreement
    if agreement is not None and agreement.status in ("active", "pending_approval"):
        values["agreement_status"] = agreement.status
        pending = list(agreement.pending)
        if pending:
            values["next_due"] = pending[0].due.isoformat()
            values["next_amount"] = f"{pending[0].amount:.2f}"
        # "quanto falta?": what is left of the agreement, not only its next installment
        values["left_count"] = len(pending)
        values["agreement_left"] = f"{sum((p.amount for p in pending), Decimal(0)):.2f}"
    values["last_reminder"] = state.last_reminder
    return values


def identity_confirmed(t: Turn) -> Step:
    """ "sou eu": now the debt can be talked about."""
    return t.step(
        LogEvent("identity_confirmed", {}),
        say("identity_confirmed", t.ctx, **context_vars(t.state, t.ctx)),
        verified=True,
        phase="open",
    )


def confirm_quietly(t: Turn) -> Step:
    """ "sou eu sim, ..." with more to say: a short thanks; the rest of the message is answered
    in the same turn by the handler of its intent (the engine chains them)."""
    return t.step(
        LogEvent("identity_confirmed", {}),
        say("identity_thanks", t.ctx),
        verified=True,
        phase="open",
    )


def identity_soft(t: Turn) -> Step:
    """A bare "ok" or 👍 to "falo com Maria?": not a yes. Ask once more in other words;
    after that, the usual question."""
    if t.state.extra.get("identity_soft_asked"):
        return identity_required(t)
    return t.step(
        say("identity_ask_again", t.ctx),
        phase="awaiting_identity",
        extra={**t.state.extra, "identity_soft_asked": True},
    )


def identity_denied(t: Turn) -> Step:
    """ "não" to "falo com Maria?": probably not the person; say nothing and stop writing."""
    return t.step(
        LogEvent("identity_denied", {}),
        MarkContactInvalid(),
        say("identity_denied", t.ctx),
        phase="closed",
    )


def identity_required(t: Turn) -> Step:
    """Anything else before the person confirms: ask again, disclose nothing."""
    return t.step(say("identity_ask", t.ctx), phase="awaiting_identity")


def wrong_person(t: Turn) -> Step:
    """Not the debtor: apologise, disclose nothing, never write again.

    Unless the person confirmed being the debtor in this chat: "foi meu filho que pegou no
    meu nome" after "sim, sou eu" contests the debt, it does not make a stranger of them (a
    person looks at it; the number is not dropped)."""
    if t.state.verified:
        from bot.dialogue.handlers_safety import dispute

        return dispute(t)
    return t.step(
        LogEvent("wrong_person", {}),
        MarkContactInvalid(),
        say("wrong_person", t.ctx),
        phase="closed",
        on_screen=(),
        pending_plan=None,
    )


def closed(t: Turn) -> Step:
    """A message on a contact marked invalid: a short reply that discloses nothing.

    Closed because a relative answered ("sou a esposa dele"), the debtor may take the phone
    later ("oi, aqui é o Roberto agora", "consigo pagar metade dia 15"): a person confirms who
    it is and goes on (the bot still discloses nothing)."""
    if t.state.extra.get(CLOSED_BY) == "relative" and _debtor_back(t):
        from bot.dialogue.handlers_safety import hand_off

        return hand_off(t, "request_human", "closed_debtor_back")
    if t.acted_intent in ("thanks", "goodbye", "affirm"):
        # "ok thank you" after our last word (a son telling of his father's death): a short
        # reply, not "this number was removed" said a second time
        return t.step(say("closed_thanks", t.ctx))
    if t.state.extra.get(CLOSED_BY) == "relative" and _offers_to_pay(t):
        # "posso pagar por ele?" / "quanto é?": thanked and sent to the counter, never told
        # the amount (the account is someone else's), not "this number was removed"
        settings = t.ctx.settings
        store_open = bool(settings.business_address and settings.store_payment_methods)
        offered = t.acted_intent != "ask_debt_details"  # "quanto é?" alone offers nothing
        return t.step(say("closed_relative_pays", t.ctx, store_open=store_open, offered=offered))
    return t.step(say("closed", t.ctx))


_PAY_INTENTS = frozenset(
    {"promise_to_pay", "ask_payment_method", "ask_debt_details", "negotiate", "cannot_pay"}
)
_PAY_WORDS = re.compile(r"\b(?:pag\w*|quit\w*|pay\w*|settle|bill|valor|quanto|how\s+much)\b")


def _offers_to_pay(t: Turn) -> bool:
    """ "posso pagar por ele?", "quanto é?", "can I pay it for him?": paying or the amount."""
    return t.acted_intent in _PAY_INTENTS or _PAY_WORDS.search(normalise(t.parse.text)) is not None


def _debtor_back(t: Turn) -> bool:
    """ "aqui é o Roberto agora" / "sou eu, o Roberto" / "it's Roberto here": the debtor says
    they are speaking (the relative speaking of them, "o Roberto chega às 18h", is not)."""
    first = normalise(t.ctx.debtor.name.split()[0]) if t.ctx.debtor.name.strip() else ""
    if not first or t.parse.value("relative") is not None:
        return False
    name = re.escape(first)
    claim = re.compile(
        rf"\b(?:aqui\s+e|sou(?:\s+eu)?|eu\s+sou|e|eh|quem\s+fala\s+e|this\s+is|it'?s|i'?m)\s+"
        rf"(?:o\s+|a\s+)?{name}\b|\b{name}\s+(?:aqui|here|falando|speaking)\b"
    )
    return claim.search(normalise(t.parse.text)) is not None


def ask_identity(t: Turn) -> Step:
    """Who is writing, on whose behalf, that it is automated, how to stop."""
    return t.step(say("ask_identity", t.ctx, verified=t.can_disclose))
