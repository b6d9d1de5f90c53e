"""Tappable answers on a channel that cannot show them (SMS, Twilio without a ContentSid,
too many for WhatsApp's lists): what the text says instead. Pure, shared by the adapters."""

from __future__ import annotations

import re

from bot.core.domain import Button, OutboundMessage
from bot.core.enums import ChoiceKind


def numbered_text(message: OutboundMessage) -> str:
    """The text a person reads when the answers cannot be buttons.

    Options are numbered ("2" is understood as the second), unless the text numbers them
    already; a yes/no or identity question already asks for a word, and "1"/"2" would not
    be read as yes/no, so it stays as it is. Answers without a kind (a reply's raw
    ``options``) are listed unless the text names them all."""
    text, buttons = message.text, message.buttons
    if not buttons or message.choice_kind in (ChoiceKind.YES_NO, ChoiceKind.IDENTITY):
        return text
    if message.choice_kind == ChoiceKind.OPTIONS:
        numbered = {int(n) for n in _NUMBERED_LINE.findall(text)}
        if numbered.issuperset(range(1, len(buttons) + 1)):
            return text
    elif all(b.title in text for b in buttons):
        return text
    return _append(text, buttons)


def _append(text: str, buttons: tuple[Button, ...]) -> str:
    lines = [f"{n}. {b.title.removeprefix(f'{n}. ')}" for n, b in enumerate(buttons, start=1)]
    return (text + "\n\n" if text else "") + "\n".join(lines)


# a line the text numbers itself ("2) 3x de R$ 150,00", "2. ..."): one pass over the text
_NUMBERED_LINE = re.compile(r"^[^\S\n]*(\d+)[.)]", re.MULTILINE)


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
