"""Greetings, thanks, goodbyes, short acknowledgements and the not-understood ladder."""

from __future__ import annotations

import re
from typing import Any

from bot.dialogue.actions import HandOff
from bot.dialogue.turn import Step, Turn, say


def _point(t: Turn) -> dict[str, Any]:
    """What the conversation is about, to steer back to it."""
    return {
        "verified": t.can_disclose,
        "phase": t.state.phase,
        "has_offers": bool(t.state.on_screen),
        "has_pending": t.state.pending_plan is not None,
        "has_promise": t.ctx.open_promise is not None and t.ctx.open_promise.status == "open",
    }


def greet(t: Turn) -> Step:
    """ "oi", "tudo bem?": greeted back (asked how we are, we say), then back to the point."""
    return t.step(say("greet", t.ctx, how_are_you=t.says("how_are_you"), **_point(t)))


def thanks(t: Turn) -> Step:
    """ "obrigado": you're welcome. A 🙏 or 👍 alone before anything was done for the person
    (after a reminder) is a nod, not thanks: "Por nada!" would answer nothing, so it is
    acknowledged and steered back to the point."""
    if _emoji_only(t.parse.text) and not _point(t)["has_promise"] and t.state.phase == "open":
        return acknowledge(t)
    return t.step(say("thanks", t.ctx, **_point(t)))


def _emoji_only(text: str) -> bool:
    return bool(text.strip()) and not any(c.isalnum() for c in text)


def whats_next(t: Turn) -> Step:
    """ "e agora?" / "what now?": what the conversation waits for (a yes to the plan, an
    option, a day), or that nothing is pending."""
    return t.step(say("whats_next", t.ctx, **_point(t)))


def no_email(t: Turn) -> Step:
    """ "meu email é ana@gmail.com" (after asking for a boleto by email): we send nothing by
    email, everything comes here; said so, then back to the point."""
    return t.step(say("no_email", t.ctx, **_point(t)))


def goodbye(t: Turn) -> Step:
    return t.step(say("goodbye", t.ctx, **_point(t)))


def acknowledge(t: Turn) -> Step:
    """ "ok"/"sim"/"não" with nothing pending."""
    return t.step(say("acknowledge", t.ctx, **_point(t)))


# A message that only laughs: "kkkkk", "rsrs", "hahaha", "hehe", "lol", "😂"
_LAUGH = (
    r"k{2,}|a?(?:h+[aeiu]+){2,}h*|(?:rs)+|lol+|lmf?ao+|rofl|"
    r"\U0001F602|\U0001F923|\U0001F605|\U0001F606|\U0001F604|\U0001F601|\U0001F639"
)
_LAUGH_ONLY = re.compile(r"^(?:(?:" + _LAUGH + r")[\s!?.,…]*)+$", re.IGNORECASE)


def someone_else_pays(t: Turn) -> Step:
    """ "my husband handles this": anyone may pay it, with the PIX asked for here and passed
    on; the account is the debtor's, so we keep writing to them (nothing said to the other)."""
    return t.step(say("someone_else_pays", t.ctx, **_point(t)))


def only_laughter(text: str) -> bool:
    """Whether a message is laughter and nothing else ("kkkkk", "rsrs", "hahaha 😂")."""
    return bool(_LAUGH_ONLY.match(text.strip()))


def laughter(t: Turn) -> Step:
    """ "kkkkk" alone: a light word and what is pending (a day, the options, the plan waiting
    for a yes), never "não entendi"; the not-understood streak is left as it was."""
    point = _point(t)
    return t.step(say("laughter", t.ctx, **point))


def not_understood(t: Turn) -> Step:
    """Rephrase with a short menu; the 2nd time in a row offer a person; the 3rd hand off."""
    streak = t.state.not_understood_streak + 1
    if streak >= 3:
        return t.step(
            HandOff("not_understood"),
            say("handoff_not_understood", t.ctx, agent_hours=t.ctx.settings.agent_hours_text),
            phase="with_agent",
            resume_phase=t.state.phase if t.state.phase != "with_agent" else "open",
            handoff_reason="not_understood",
            not_understood_streak=0,
        )
    name = "not_understood" if streak == 1 else "not_understood_offer_human"
    if streak == 1 and t.parse.value("topic") == "other_question":
        name = "answer_other_question"  # a question we cannot answer: say so, no menu
    return t.step(say(name, t.ctx, **_point(t)), not_understood_streak=streak)
