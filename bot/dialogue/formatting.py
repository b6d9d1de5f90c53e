"""Money and dates as a person reads them, per language. Pure functions, no locale module.

Values may arrive as ``Decimal``/``date`` or as the strings the engine puts in reply vars
("1234.50", "2026-11-27"), so stored replies can be rendered again later.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

WEEKDAYS = {
    "pt": (
        "segunda-feira",
        "terça-feira",
        "quarta-feira",
        "quinta-feira",
        "sexta-feira",
        "sábado",
        "domingo",
    ),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTH_NAMES = {
    "pt": (
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
MONTHS_EN = tuple(name[:3] for name in MONTH_NAMES["en"])  # "Nov 27"


def _lang(language: str) -> str:
    return "en" if language.lower().startswith("en") else "pt"


def to_decimal(value: Decimal | int | str) -> Decimal:
    """A Decimal from a Decimal, an int or a decimal string. Floats are refused."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return Decimal(value) if not isinstance(value, Decimal) else value


def to_date(value: date | str) -> date:
    """A date from a date, a datetime (its own date) or an ISO string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _group(digits: str, sep: str) -> str:
    parts: list[str] = []
    while len(digits) > 3:
        parts.insert(0, digits[-3:])
        digits = digits[:-3]
    parts.insert(0, digits)
    return sep.join(parts)


def format_money(value: Decimal | int | str, language: str) -> str:
    """ "R$ 1.234,56" in Portuguese, "R$1,234.56" in English: always reais, never "$"."""
    amount = to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):.2f}".split(".")
    if _lang(language) == "en":
        return f"{sign}R${_group(units, ',')}.{cents}"
    return f"{sign}R$ {_group(units, '.')},{cents}"


def format_date(value: date | str, language: str) -> str:
    """ "27/11/2026" in Portuguese, "Nov 27, 2026" in English."""
    day = to_date(value)
    if _lang(language) == "en":
        return f"{MONTHS_EN[day.month - 1]} {day.day}, {day.year}"
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def format_day_of_month(value: date | str, language: str) -> str:
    """ "26" in Portuguese ("todo dia 26"), "26th" in English ("on the 26th")."""
    day = to_date(value).day
    if _lang(language) != "en":
        return str(day)
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def format_ordinal(value: int | str, language: str) -> str:
    """ "2ª" in Portuguese ("a 2ª parcela"), "2nd" in English ("the 2nd installment")."""
    number = int(value)
    if _lang(language) != "en":
        return f"{number}ª"
    teens = 11 <= number % 100 <= 13
    suffix = "th" if teens else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def format_month(value: date | str, language: str) -> str:
    """ "janeiro" in Portuguese, "January" in English: the month of a date."""
    return MONTH_NAMES[_lang(language)][to_date(value).month - 1]


def format_weekday_date(value: date | str, language: str) -> str:
    """ "sexta-feira, 27/11" in Portuguese, "Friday, Nov 27" in English."""
    day = to_date(value)
    lang = _lang(language)
    weekday = WEEKDAYS[lang][day.weekday()]
    if lang == "en":
        return f"{weekday}, {MONTHS_EN[day.month - 1]} {day.day}"
    return f"{weekday}, {day.day:02d}/{day.month:02d}"


def format_percent(value: Decimal | int | str, language: str) -> str:
    """ "10%" / "2,5%" in Portuguese, "2.5%" in English (no trailing zeros)."""
    number = to_decimal(value).normalize()
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if _lang(language) == "pt":
        text = text.replace(".", ",")
    return f"{text}%"


_DAYS_EN = {
    "seg": "Mon",
    "segunda": "Mon",
    "segunda-feira": "Mon",
    "ter": "Tue",
    "terca": "Tue",
    "terca-feira": "Tue",
    "qua": "Wed",
    "quarta": "Wed",
    "quarta-feira": "Wed",
    "qui": "Thu",
    "quinta": "Thu",
    "quinta-feira": "Thu",
    "sex": "Fri",
    "sexta": "Fri",
    "sexta-feira": "Fri",
    "sab": "Sat",
    "sabado": "Sat",
    "sabados": "Sat",
    "dom": "Sun",
    "domingo": "Sun",
    "domingos": "Sun",
}
_JOINERS_EN = {"a": "to", "ate": "to", "as": "to", "e": "and", "das": "", "de": "", "da": ""}


def _hour_en(hour: int, minute: int) -> str:
    suffix = "am" if hour < 12 else "pm"
    h12 = hour % 12 or 12
    return f"{h12}{suffix}" if minute == 0 else f"{h12}:{minute:02d}{suffix}"


def hours_en(text: str) -> str:
    """Business hours written in Portuguese ("seg a sex, das 9h às 18h") in English
    ("Mon to Fri, 9am to 6pm"); "" when the text says something we cannot translate."""
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    out: list[str] = []
    for token in re.findall(r"[a-z-]+|\d{1,2}(?:h|:)\d{0,2}(?:min)?|[,;]", plain):
        time = re.fullmatch(r"(\d{1,2})(?:h|:)(\d{0,2})(?:min)?", token)
        if time:
            hour, minute = int(time.group(1)), int(time.group(2) or 0)
            if hour > 24 or minute > 59:
                return ""
            out.append(_hour_en(hour % 24, minute))
        elif token in _DAYS_EN:
            out.append(_DAYS_EN[token])
        elif token in _JOINERS_EN:
            if _JOINERS_EN[token]:
                out.append(_JOINERS_EN[token])
        elif token in ",;":
            if out:
                out[-1] += token
        else:
            return ""
    return " ".join(out).strip(" ,;")


_WEEKDAY_NUMBERS = {"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Sat": 5, "Sun": 6}
_DAYS_ANY = {
    **_DAYS_EN,
    **{name.lower(): short for short in _WEEKDAY_NUMBERS for name in (short, short + "day")},
    "tuesday": "Tue",
    "wednesday": "Wed",
    "thursday": "Thu",
    "saturday": "Sat",
}
_CLOSED = re.compile(r"fechad|closed|nao abr|nao funcion")


def open_weekdays(text: str) -> frozenset[int]:
    """The weekdays (0 = Monday) business hours say the counter opens: "seg a sex, das 9h
    às 18h; sáb, das 9h às 13h" -> Monday to Saturday. A part saying "fechado"/"closed"
    names closed days. Empty when the text names no day (then nobody is told a day is
    closed)."""
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    open_days: set[int] = set()
    closed: set[int] = set()
    for part in re.split(r"[;\n]|\.\s", plain):
        days: set[int] = set()
        previous: int | None = None
        ranging = False
        for token in re.findall(r"[a-z]+", part):
            short = _DAYS_ANY.get(token)
            if short is not None:
                day = _WEEKDAY_NUMBERS[short]
                if ranging and previous is not None:
                    span = (day - previous) % 7
                    days.update((previous + k) % 7 for k in range(span + 1))
                else:
                    days.add(day)
                previous, ranging = day, False
            elif token in ("a", "ate", "to", "through", "thru"):
                ranging = previous is not None
        (closed if _CLOSED.search(part) else open_days).update(days)
    return frozenset(open_days - closed)


def format_clock(value: str, language: str) -> str:
    """ "18:00" as "18h" (pt) or "6pm" (en); "18:30" as "18h30" / "6:30pm"."""
    hour, minute = (int(part) for part in str(value).split(":")[:2])
    if _lang(language) == "en":
        return _hour_en(hour, minute)
    return f"{hour}h" if minute == 0 else f"{hour}h{minute:02d}"
