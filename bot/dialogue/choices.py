"""The answers a person may tap instead of typing, and what a tap means.

After the engine decides a turn, :func:`with_choices` gives the turn's last reply the
answers that fit what the conversation now waits for: "is this Maria?" (identity), the
plans on screen (options), "shall I close it?" and "want a person?" (yes/no). Labels are
responses in ``dialogues/`` (``names.CHOICE_LABELS``), so they follow the conversation's
language; each channel renders them as it can (inline keyboard, quick replies, a list, or
numbered text).

A tapped answer comes back as its id (``identity:yes``, ``yes_no:no``, ``options:2``);
:func:`parse_choice` turns it into a Parse with confidence 1, so the NLU is not asked to
guess what a button meant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.core.enums import ChoiceKind
from bot.core.parse import Entity, Parse
from bot.dialogue.actions import (
    Action,
    Choice,
    Choices,
    HandOff,
    MarkContactInvalid,
    OptOut,
    Reply,
)
from bot.dialogue.state import ConversationState
from bot.dialogue.turn import plan_vars

YES, NO = "yes", "no"
MAX_OPTION = 99
# A turn with any of these ends the talk for now: nothing to tap afterwards.
_FINAL = (OptOut, MarkContactInvalid, HandOff)


def choice_id(kind: ChoiceKind, value: str | int) -> str:
    """``identity:yes``, ``options:2``: short enough for Telegram's 64-byte callback data."""
    return f"{kind.value}:{value}"


def yes_no(kind: ChoiceKind, yes_label: str, no_label: str) -> Choices:
    return Choices(
        kind,
        (Choice(choice_id(kind, YES), yes_label), Choice(choice_id(kind, NO), no_label)),
    )


def choices_for(state: ConversationState) -> Choices | None:
    """The answers that fit what a conversation in ``state`` waits for (None: free text)."""
    if state.extra.get("human_offered") and state.phase != "with_agent":
        return yes_no(ChoiceKind.YES_NO, "choice_yes", "choice_no")
    if state.phase == "awaiting_identity":
        return yes_no(ChoiceKind.IDENTITY, "choice_identity_yes", "choice_identity_no")
    if state.phase == "confirming_plan" and state.pending_plan is not None:
        return yes_no(ChoiceKind.YES_NO, "choice_close_yes", "choice_close_no")
    if state.phase == "offers_presented" and state.on_screen:
        items = tuple(
            Choice(
                choice_id(ChoiceKind.OPTIONS, number),
                "choice_plan",
                {"plan": plan_vars(plan, number)},
                detail="choice_plan_detail",
            )
            for number, plan in enumerate(state.on_screen, start=1)
        )
        return Choices(ChoiceKind.OPTIONS, items)
    return None


def with_choices(actions: Sequence[Action], state: ConversationState) -> tuple[Action, ...]:
    """``actions`` with the answers for ``state`` on the last reply (unless it has its own)."""
    result = tuple(actions)
    if any(isinstance(a, _FINAL) for a in result):
        return result
    last = next((i for i in range(len(result) - 1, -1, -1) if isinstance(result[i], Reply)), None)
    if last is None:
        return result
    reply = result[last]
    assert isinstance(reply, Reply)
    if reply.choices is not None or reply.options:
        return result
    choices = choices_for(state)
    if choices is None:
        return result
    return result[:last] + (replace(reply, choices=choices),) + result[last + 1 :]


def parse_choice(payload: str | None, text: str, language: str) -> Parse | None:
    """What a tapped answer means, with confidence 1; None when ``payload`` is not ours
    (a template's own button, a forged or stale value): the NLU reads the text instead."""
    kind, _, value = (payload or "").partition(":")
    entities: tuple[Entity, ...] = ()
    if kind in (ChoiceKind.YES_NO, ChoiceKind.IDENTITY) and value in (YES, NO):
        intent = "affirm" if value == YES else "deny"
    elif kind == ChoiceKind.OPTIONS and value.isdigit() and 1 <= int(value) <= MAX_OPTION:
        intent = "choose_option"
        entities = (Entity("option", int(value), 0, len(text), text),)
    else:
        return None
    return Parse(
        text=text,
        language=language,
        intent=intent,
        confidence=1.0,
        intent_ranking=((intent, 1.0),),
        entities=entities,
    )
