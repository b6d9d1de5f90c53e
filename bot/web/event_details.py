"""An event's data in words for the chat panel and the transcript.

``why=discount_beyond_book`` becomes "Motivo: desconto acima da tabela": each key has a name
(``field.<key>`` in ``bot.web.i18n``), coded values are looked up under their own prefix,
amounts are money, dates are days, agents are names. Unknown keys and free text are shown
as they are, so nothing recorded is hidden.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from bot.web.i18n import STRINGS
from bot.web.pages import format_money

# key -> the prefix its coded values are translated under
CODED = {
    "why": "why",
    "reason": "reason",
    "channel": "channel",
    "language": "language",
    "outcome": "outcome",
    "request_kind": "request.kind",
    "template": "step",
    "method": "method",
    "via": "via",
    "source": "source",
}
MONEY = {"amount", "total", "installment_amount", "stated_amount", "credited", "excess"}
MONEY |= {"fees_paid", "totals"}
DAYS = {"due", "first_due", "until", "paid_at", "expires_at"}
AGENTS = {"agent_id", "to_agent", "approved_by"}


def _pick(key: str, language: str) -> str | None:
    pair = STRINGS.get(key)
    return None if pair is None else pair[1 if language == "en" else 0]


def _money(value: object, language: str) -> str | None:
    try:
        return format_money(Decimal(str(value)), language)
    except InvalidOperation:
        return None


def _day(value: object, tz: ZoneInfo | None) -> str | None:
    """A day as a day; a moment in the business's time zone (stored in UTC)."""
    text = str(value)
    try:
        if len(text) > 10:
            moment = datetime.fromisoformat(text)
            if tz is not None and moment.tzinfo is not None:
                moment = moment.astimezone(tz)
            return moment.strftime("%d/%m/%Y %H:%M")
        return date.fromisoformat(text).strftime("%d/%m/%Y")
    except ValueError:
        return None


def value_text(
    key: str,
    value: object,
    language: str,
    agent_names: dict[int, str] | None = None,
    tz: ZoneInfo | None = None,
) -> str:
    """One value in words (``value`` as the event log stored it: JSON)."""
    if isinstance(value, bool):
        return _pick("field.yes" if value else "field.no", language) or str(value)
    if isinstance(value, list):
        return ", ".join(value_text(key, item, language, agent_names, tz) for item in value)
    if isinstance(value, dict):
        return ", ".join(
            f"{k}: {value_text(key, v, language, agent_names, tz)}" for k, v in value.items()
        )
    if value is None:
        return "–"
    if key in CODED:
        return _pick(f"{CODED[key]}.{value}", language) or str(value)
    if key in MONEY:
        return _money(value, language) or str(value)
    if key in DAYS:
        return _day(value, tz) or str(value)
    if key in AGENTS and str(value).isdigit():
        return (agent_names or {}).get(int(str(value))) or str(value)
    return str(value)


def event_details(
    language: str,
    data: dict[str, object] | None,
    agent_names: dict[int, str] | None = None,
    tz: ZoneInfo | None = None,
) -> list[tuple[str, str]]:
    """(name, value) pairs for an event's data, in ``language``."""
    return [
        (
            _pick(f"field.{key}", language) or key.replace("_", " "),
            value_text(key, value, language, agent_names, tz),
        )
        for key, value in (data or {}).items()
    ]
