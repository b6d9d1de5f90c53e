"""Opt-out, disputes, people, insults, and silence while an agent holds the chat."""

from __future__ import annotations

from bot.dialogue.actions import HandOff, OpenDispute, OptOut
from bot.dialogue.turn import Step, Turn, say


def opt_out(t: Turn) -> Step:
    """Stop business-initiated messages; confirm once (a repeated "SAIR" gets no reply)."""
    if t.state.opted_out:
        return t.step(OptOut())
    return t.step(OptOut(), say("opt_out", t.ctx), opted_out=True)


def hand_off(t: Turn, reason: str, response: str) -> Step:
    """Hand the chat to a person with ``response`` (which may say the agents' hours)."""
    return _hand_off(t, reason, response)


def _hand_off(t: Turn, reason: str, response: str) -> Step:
    resume = t.state.phase if t.state.phase not in ("with_agent", "new") else "open"
    return t.step(
        HandOff(reason),
        say(response, t.ctx, agent_hours=t.ctx.settings.agent_hours_text),
        phase="with_agent",
        resume_phase=resume,
        handoff_reason=reason,
    )


def dispute(t: Turn) -> Step:
    """ "não fiz essa compra": acknowledge, stop collecting, hand to a person."""
    refs = tuple(d.ref for d in t.debts) or tuple(d.ref for d in t.ctx.debts)
    step = _hand_off(t, "dispute", "dispute")
    step.actions.insert(0, OpenDispute(debt_refs=refs, text=t.parse.text))
    step.state = step.state.evolve(on_screen=(), pending_plan=None)
    return step


def request_human(t: Turn) -> Step:
    """A person was asked for: hand off and say when agents answer."""
    return _hand_off(t, "request_human", "handoff_human")


def insult(t: Turn) -> Step:
    """First: a calm reply. Second: a person takes over."""
    count = t.state.insult_count + 1
    if count >= 2:
        step = _hand_off(t, "insult", "handoff_insult")
        step.state = step.state.evolve(insult_count=count)
        return step
    return t.step(say("insult_calm", t.ctx), insult_count=count)


def stay_silent(t: Turn) -> Step:
    """An agent holds the chat: the bot says nothing."""
    return t.step()
