"""Opt-out, disputes, people, insults, and silence while an agent holds the chat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.dialogue.actions import HandOff, OpenDispute, OptOut, PauseReminders
from bot.dialogue.turn import Step, Turn, say

FEWER_MESSAGES = "fewer_messages"  # state.extra: asked once for fewer messages
FEWER_MESSAGES_DAYS = 7  # no reminder for this many days after "não precisa mandar todo dia"


def opt_out(t: Turn) -> Step:
    """Stop business-initiated messages; confirm once (a repeated "SAIR" gets no reply).

    A complaint about how often without asking to stop ("não precisa mandar msg todo dia")
    pauses the reminders for a week and the reply says how to stop them all. A second one,
    or any stop word ("parem de mandar msg todo dia", "nunca mais"), stops them."""
    fewer = (
        not t.state.opted_out
        and not t.state.extra.get(FEWER_MESSAGES)
        and t.says("fewer_messages")
        and not t.says("opt_out_firm")
    )
    if fewer:
        return fewer_messages(t)
    if t.state.opted_out:
        return t.step(OptOut())
    return t.step(OptOut(), say("opt_out", t.ctx), opted_out=True)


def fewer_messages(t: Turn) -> Step:
    """No reminder for a week, and how to stop them all: for "não precisa mandar msg todo
    dia" and for a message we could not read that complains of repeats ("de novo essa msg?")."""
    until = t.ctx.today + timedelta(days=FEWER_MESSAGES_DAYS)
    return t.step(
        PauseReminders(until=until, reason=FEWER_MESSAGES),
        say("fewer_messages", t.ctx, until=until.isoformat()),
        extra={**t.state.extra, FEWER_MESSAGES: until.isoformat()},
    )


def hand_off(t: Turn, reason: str, response: str, **values: Any) -> Step:
    """Hand the chat to a person with ``response`` (which may say the agents' hours) and
    the reply's own ``values``."""
    resume = t.state.phase if t.state.phase not in ("with_agent", "new") else "open"
    return t.step(
        HandOff(reason),
        say(response, t.ctx, agent_hours=t.ctx.settings.agent_hours_text, **values),
        phase="with_agent",
        resume_phase=resume,
        handoff_reason=reason,
    )


def dispute(t: Turn) -> Step:
    """ "não fiz essa compra": acknowledge, stop collecting, hand to a person."""
    from bot.dialogue.handlers_payments import named_debts

    # "o sofá eu não comprei": only the sofa is disputed, the blender is still owed
    named = named_debts(t)
    refs = (
        tuple(d.ref for d in named)
        or tuple(d.ref for d in t.debts)
        or tuple(d.ref for d in t.ctx.debts)
    )
    # "q loja é essa?? n comprei nd": who writes (and, to the person we know, what the charge
    # is for) before the dispute is taken up
    asked_who = "business_identity" in t.topics or _asks_who(t)
    about = [d.description for d in t.ctx.debts if d.ref in refs] if t.can_disclose else []
    step = hand_off(t, "dispute", "dispute", asked_who=asked_who, about=about)
    step.actions.insert(0, OpenDispute(debt_refs=refs, text=t.parse.text))
    step.state = step.state.evolve(on_screen=(), pending_plan=None)
    return step


def request_human(t: Turn) -> Step:
    """A person was asked for: hand off and say when agents answer ("pode me ligar?": that a
    person calls this number, within those hours)."""
    return hand_off(
        t,
        "request_human",
        "handoff_human",
        call=t.says("wants_call"),
        asked_bot=_asks_who(t),
        # "a moça falou q ia me ligar e nada": we kept them waiting; sorry comes first
        chased=t.says("still_waiting"),
    )


def _asks_who(t: Turn) -> bool:
    """ "isso é robô?? quero falar com gente": the question is answered too (we say we are
    automated whenever asked), before the hand-off."""
    threshold = t.ctx.settings.nlu_threshold
    return any(c.intent == "ask_identity" and c.confidence >= threshold for c in t.parse.clauses)


def insult(t: Turn) -> Step:
    """First: a calm reply. Second: a person takes over."""
    count = t.state.insult_count + 1
    if count >= 2:
        step = hand_off(t, "insult", "handoff_insult")
        step.state = step.state.evolve(insult_count=count)
        return step
    return t.step(say("insult_calm", t.ctx), insult_count=count)


def other_contact(t: Turn) -> Step:
    """ "manda pro número dela, 11 98765-4321": we only write to the number on file, so a
    person takes the request (who it is, whether the debtor may be reached there)."""
    return hand_off(t, "other_contact", "handoff_other_contact", verified=t.can_disclose)


def stay_silent(t: Turn) -> Step:
    """An agent holds the chat: the bot says nothing."""
    return t.step()
