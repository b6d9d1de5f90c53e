"""Date expressions -> ISO dates, resolved against today's date (see DESIGN.md)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

from bot.core.months import MONTHS
from bot.nlu.numbers import ORDINALS, small_number
from bot.nlu.spans import Span, keep_longest

WEEKDAYS: dict[str, int] = {
    "segunda": 0,
    "terca": 1,
    "quarta": 2,
    "quinta": 3,
    "sexta": 4,
    "sabado": 5,
    "domingo": 6,
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
    "tues": 1,
    "weds": 2,
    "thurs": 3,
    "thu": 3,
    "fri": 4,
    "sabadao": 5,
    "sextou": 4,
    "sab": 5,
}
RELATIVE: dict[str, int] = {
    "depois de amanha": 2,
    **{
        f"{lead} {typo}": 2
        for lead in ("depois de", "depois d", "dps de", "dps d", "dpois de")
        for typo in ("amanhan", "amanhaa", "amnh", "amnha", "amanah", "amanh")
    },
    "depois d amanha": 2,
    "dps de amanha": 2,
    "dps d amanha": 2,
    "day after tmrw": 2,
    "day after tmr": 2,
    "the day after tomorrow": 2,
    "day after tomorrow": 2,
    "anteontem": -2,
    "amanha": 1,
    "amanhã": 1,
    "amnh": 1,
    "amnha": 1,
    "amanah": 1,
    "amanhaa": 1,
    "amanhan": 1,
    "amanh": 1,
    "tomorrow": 1,
    "tmrw": 1,
    "tmr": 1,
    "tomoro": 1,
    "tomorow": 1,
    "2moro": 1,
    "2morrow": 1,
    "hoje": 0,
    "hj": 0,
    "hje": 0,
    "today": 0,
    "tonight": 0,
    "tday": 0,
    "ontem": -1,
    "yesterday": -1,
}
_EN_ORDINAL_UNITS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
}
EN_ORDINAL_DAYS: dict[str, int] = {
    **_EN_ORDINAL_UNITS,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    **{f"twenty {w}": 20 + n for w, n in _EN_ORDINAL_UNITS.items()},
    **{f"twenty-{w}": 20 + n for w, n in _EN_ORDINAL_UNITS.items()},
    "thirtieth": 30,
    "thirty first": 31,
    "thirty-first": 31,
}
_EN_ORD_DAY = "|".join(sorted(EN_ORDINAL_DAYS, key=len, reverse=True))
_NUM_WORD = (
    r"\d{1,2}|um|uma|dois|duas|tres|quatro|cinco|seis|sete|oito|nove|dez|onze|doze|"
    r"treze|catorze|quatorze|quinze|vinte|trinta|a|an|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|fourteen|fifteen|twenty|thirty|(?:a\s+)?couple(?:\s+of)?"
)
_DAY_WORD = (  # compounds first: "vinte e cinco" must not stop at "vinte"
    r"vinte e (?:um|dois|tres|quatro|cinco|seis|sete|oito|nove)|trinta e um|"
    r"\d{1,2}|primeiro|um|dois|tres|quatro|cinco|seis|sete|oito|nove|dez|onze|doze|treze|"
    r"catorze|quatorze|quinze|dezesseis|dezessete|dezoito|dezenove|vinte|trinta"
)
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
_NEXT_MONTH = r"(?P<next>\s+(?:do|de)\s+(?:mes\s+que\s+vem|proximo\s+mes)|\s+of\s+next\s+month)?"
_SUFFIX = r"(?:st|nd|rd|th|º|°|o(?=\b))?"
_B = r"(?<![\w/])"
_E = r"(?![\w/])"

Resolver = Callable[["re.Match[str]", date, str], date | None]


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_day_of_month(today: date, dom: int, *, next_month: bool = False) -> date | None:
    """The next ``dom``-th that is today or later (or the one in next month)."""
    if not 1 <= dom <= 31:
        return None
    first = date(today.year, today.month, 1)
    for k in range(1 if next_month else 0, 14):
        month = add_months(first, k)
        if dom <= calendar.monthrange(month.year, month.month)[1]:
            found = month.replace(day=dom)
            if found >= today:
                return found
    return None


def day_month(today: date, day: int, month: int, year: int | None) -> date | None:
    """That date; without a year, next year if it already passed."""
    try:
        if year is not None:
            return date(year + 2000 if year < 100 else year, month, day)
        found = date(today.year, month, day)
        if found < today:
            found = date(today.year + 1, month, day)
        return found
    except ValueError:
        return None


def next_weekday(today: date, weekday: int) -> date:
    """Its next occurrence after today (a week ahead when it is today)."""
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def _day_value(token: str) -> int | None:
    if token in ("primeiro", "1o", "1º"):
        return 1
    if token in EN_ORDINAL_DAYS:
        return EN_ORDINAL_DAYS[token]
    return small_number(token.replace(" e ", " "))


def _iso(m: re.Match[str], today: date, lang: str) -> date | None:
    return day_month(today, int(m["d"]), int(m["m"]), int(m["y"]))


def _slash(m: re.Match[str], today: date, lang: str) -> date | None:
    a, b = int(m["a"]), int(m["b"])
    year = int(m["y"]) if m["y"] else None
    if lang == "en" and 1 <= a <= 12 and 1 <= b <= 31:
        return day_month(today, b, a, year)
    if 1 <= b <= 12:
        return day_month(today, a, b, year)
    return None


def _day_first(m: re.Match[str], today: date, lang: str) -> date | None:
    day = _day_value(m["day"])
    year = int(m["y"]) if m["y"] else None
    return None if day is None else day_month(today, day, MONTHS[m["month"]], year)


def _dia(m: re.Match[str], today: date, lang: str) -> date | None:
    day = _day_value(m["day"])
    return None if day is None else next_day_of_month(today, day, next_month=bool(m["next"]))


# A part of a day with no day named is today: "I'll swing by after work", "pago depois do
# trabalho" (a day said beside it wins: "amanhã depois do trabalho" is tomorrow)
PART_OF_TODAY = re.compile(
    r"\b(?:after\s+work|when\s+i\s+get\s+off(?:\s+work)?|this\s+(?:evening|afternoon)|"
    r"(?:on\s+)?my\s+lunch\s+break|depois\s+do\s+(?:trabalho|servico|expediente)|"
    r"quando\s+(?:eu\s+)?sair\s+do\s+(?:trabalho|servico)|saindo\s+do\s+(?:trabalho|servico)|"
    r"na\s+hora\s+do\s+almoco)\b"
)


def _relative(m: re.Match[str], today: date, lang: str) -> date | None:
    return today + timedelta(days=RELATIVE[re.sub(r"\s+", " ", m[0])])


def _weekday(m: re.Match[str], today: date, lang: str) -> date | None:
    return next_weekday(today, WEEKDAYS[m["wd"]])


def _numbered_weekday(m: re.Match[str], today: date, lang: str) -> date | None:
    """ "2ª feira" .. "6ª feira": Monday .. Friday (Brazilian numbering, Sunday is the 1st)."""
    return next_weekday(today, int(m["n"]) - 2)


def previous_weekday(today: date, weekday: int) -> date:
    """Its last occurrence before today (a week back when it is today)."""
    return today - timedelta(days=(today.weekday() - weekday) % 7 or 7)


def _weekday_past(m: re.Match[str], today: date, lang: str) -> date | None:
    """ "sexta passada", "last friday": a payment already made, never a day ahead (it read
    as next Friday, so "paguei sexta passada" looked like a promise of that day)."""
    back = 7 if "retrasad" in m[0] else 0  # the one before last
    return previous_weekday(today, WEEKDAYS[m["wd"]]) - timedelta(days=back)


def _weekday_next_week(m: re.Match[str], today: date, lang: str) -> date | None:
    """ "terça da semana que vem", "next week on Tuesday": that day of next calendar week."""
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    return monday + timedelta(days=WEEKDAYS[m["wd"]])


HOLIDAYS: dict[str, tuple[int, int]] = {
    "vespera de natal": (12, 24),
    "natal": (12, 25),
    "christmas eve": (12, 24),
    "christmas day": (12, 25),
    "christmas": (12, 25),
    "xmas": (12, 25),
    "ano novo": (1, 1),
    "reveillon": (1, 1),
    "new year's day": (1, 1),
    "new years day": (1, 1),
    "new year's": (1, 1),
    "new years": (1, 1),
    "new year": (1, 1),
    "tiradentes": (4, 21),
}


def _holiday(m: re.Match[str], today: date, lang: str) -> date | None:
    month, day = HOLIDAYS[re.sub(r"\s+", " ", m["h"])]
    return day_month(today, day, month, None)


def _month_end(m: re.Match[str], today: date, lang: str) -> date | None:
    month = add_months(today.replace(day=1), 1 if m["next"] else 0)
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _in_days(m: re.Match[str], today: date, lang: str) -> date | None:
    token = re.sub(r"\s+", " ", m["n"] or "")
    unit = m["unit"] or m["unit2"]
    if unit == "fortnight":
        return today + timedelta(days=14 * (1 if not token else small_number(token) or 0))
    if "couple" in token:
        n: int | None = 2
    elif token in ("a", "an", "um", "uma"):
        n = 1
    else:
        n = small_number(token)
    if n is None or not 0 < n <= 400:
        return None
    if unit.startswith(("mes", "month")):
        return add_months(today, n) if n <= 24 else None
    factor = 7 if unit.startswith(("semana", "week")) else 1
    return today + timedelta(days=n * factor)


_WD = r"(?P<wd>" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")(?:[\s-]?feira)?"
_NEXT_WEEK = r"(?:semana\s+que\s+vem|proxima\s+semana|outra\s+semana|semana\s+q\s+vem)"

PATTERNS: tuple[tuple[re.Pattern[str], Resolver], ...] = (
    (re.compile(r"(?<![\w/])(?P<n>[2-6])\s?(?:a|ª|º)?[\s-]?feira\b"), _numbered_weekday),
    *(
        (re.compile(pattern), _weekday_next_week)
        for pattern in (
            r"\b" + _WD + r"\s+(?:da|na|dessa|desta)\s+" + _NEXT_WEEK + r"\b",
            r"\b" + _NEXT_WEEK + r",?\s+(?:na\s+|no\s+|de\s+)?" + _WD + r"\b",
            r"\b" + _WD + r"\s+(?:of\s+)?next\s+week\b",
            r"\bnext\s+week,?\s+(?:on\s+)?" + _WD + r"\b",
        )
    ),
    (re.compile(r"\b" + _WD + r"\s+(?:passad[ao]|retrasad[ao])\b"), _weekday_past),
    (re.compile(r"\b(?:last|this\s+past|past)\s+" + _WD + r"\b"), _weekday_past),
    (
        re.compile(
            r"(?<!depois\s)(?<!depois\sdo\s)(?<!depois\sde\s)(?<!after\s)(?<!apos\so\s)"
            r"(?<!apos\s)\b(?P<h>"
            + "|".join(sorted(HOLIDAYS, key=len, reverse=True)).replace(" ", r"\s+")
            + r")(?!\w)"
        ),
        _holiday,
    ),
    (re.compile(_B + r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _E), _iso),
    (
        re.compile(_B + r"(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?" + _E),
        _slash,
    ),
    (re.compile(_B + r"(?P<a>\d{1,2})[-.](?P<b>\d{1,2})[-.](?P<y>\d{4})" + _E), _slash),
    (
        re.compile(
            r"\b(?:(?:dia|the)\s+)?(?P<day>"
            + _DAY_WORD
            + r"|"
            + _EN_ORD_DAY
            + r")"
            + _SUFFIX
            + r"(?:\s+de|\s+of)?\s+"
            + _MONTH
            + r"(?:\s+(?:de\s+)?(?P<y>\d{4}))?\b"
        ),
        _day_first,
    ),
    (
        re.compile(
            r"\b"
            + _MONTH
            + r"\.?\s+(?:the\s+)?(?P<day>\d{1,2}|"
            + _EN_ORD_DAY
            + r")"
            + _SUFFIX
            + r"(?:,?\s+(?P<y>\d{4}))?\b"
        ),
        _day_first,
    ),
    (
        re.compile(
            r"\bdia\s+(?P<day>" + _DAY_WORD + r")" + _SUFFIX + r"\b(?![/.-]\d)" + _NEXT_MONTH
        ),
        _dia,
    ),
    (
        re.compile(
            r"\b(?:on|by|until|till|before|for)\s+the\s+(?P<day>"
            + _EN_ORD_DAY
            + r")\b(?!\s+(?:one|option|installment|payment|time|plan))"
            + _NEXT_MONTH
        ),
        _dia,
    ),
    (
        re.compile(
            r"\b(?:the\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?(?:time|one|option))"
            + _NEXT_MONTH
        ),
        _dia,
    ),
    (
        re.compile(
            r"\b(?:(?:no|ate o|by the|at the|the)\s+)?(?:fim|final|finalzinho|end)"
            r"\s+(?:do|de|deste|desse|of the|of this|of|this)\s+(?:mes|month)\b"
            r"(?P<next>\s+que\s+vem)?|\bmonth[\s-]end\b|\bultimo\s+dia\s+do\s+mes\b"
            r"|\blast\s+day\s+of\s+(?:the|this)\s+month\b"
        ),
        _month_end,
    ),
    (
        re.compile(
            r"\b(?:daqui\s+(?:a\s+)?(?:uns\s+|umas\s+)?|dentro\s+de\s+|em\s+|in\s+|within\s+|"
            r"(?:give|giv)\s+me\s+(?:like\s+|about\s+|another\s+)?|gimme\s+|"
            r"me\s+(?:da|de|dá)\s+(?:uns\s+|umas\s+|mais\s+)?)?"
            r"(?:(?P<n>" + _NUM_WORD + r")\s+(?:of\s+)?"
            r"(?P<unit>dias|dia|semanas|semana|days|day|weeks|week|meses|mes|months|month)"
            r"|(?:a\s+)?(?P<unit2>fortnight))"
            r"(?:\s+from\s+now)?\b"
        ),
        _in_days,
    ),
    (
        re.compile(
            r"\b(?:"
            + "|".join(sorted(RELATIVE, key=len, reverse=True)).replace(" ", r"\s+")
            + r")\b"
        ),
        _relative,
    ),
    (
        re.compile(
            r"\b(?P<wd>" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")"
            r"(?:[\s-]?feira)?s?\b(?!\s+(?:opcao|op|parcela|vez|via|alternativa|proposta|"
            r"oferta|option|one|opção|plano))"
        ),
        _weekday,
    ),
)
# "depois do dia 5", "after the 10th", "depois de sexta": some day after that one, vague by
# design like "semana que vem" (the 5th itself was noted, a day before the one meant)
_AFTER_LEAD = re.compile(
    r"(?:\bdepois\s+d[aeo]s?|\bdps\s+d[aeo]?|\bapos\s+(?:[ao]\s+)?|\bafter)\s*$"
)
_ORDINAL_DAY_LEADS = ("dia", "on ", "by ", "until ", "till ", "before ", "for ")
_IN_DAYS_NEEDS_PREFIX = re.compile(
    r"^(?:daqui|dentro|em|in|within|give|giv|gimme|me\s+d[ae])\b|from\s+now$"
)
# "50 de 15 em 15 dias": how often, not a day fifteen days from now
_EVERY_N_LEAD = re.compile(r"\bde\s+(?:\d{1,2}|" + _NUM_WORD + r")\s*$")


def extract_dates(folded: str, today: date, lang: str = "pt") -> list[Span]:
    """Every date expression in a folded text, resolved against ``today`` (not the days
    that only bound another, ``after_dates``)."""
    return _scan(folded, today, lang, after=False)


def after_dates(folded: str, today: date, lang: str = "pt") -> list[Span]:
    """The days after which something is said to happen ("depois do dia 5": the 5th), with
    the role ``after``: reported, but no date to note a promise for (the dialogue asks)."""
    return [replace(s, role=AFTER) for s in _scan(folded, today, lang, after=True)]


AFTER = "after"  # an entity role, as Rasa's entities have: the date bounds the one meant


def _scan(folded: str, today: date, lang: str, *, after: bool) -> list[Span]:
    found: list[Span] = []
    weekdays: set[tuple[int, int]] = set()
    for pattern, resolve in PATTERNS:
        for m in pattern.finditer(folded):
            if resolve is _in_days and not _IN_DAYS_NEEDS_PREFIX.search(m[0]):
                continue
            if resolve is _in_days and _EVERY_N_LEAD.search(folded[: m.start()]):
                continue
            bounded = resolve is not _relative and _AFTER_LEAD.search(folded[: m.start()])
            if bool(bounded) != after:
                continue
            if (
                resolve is _dia
                and m["day"] in ORDINALS
                and not m[0].startswith(
                    ("dia", "on ", "by ", "until ", "till ", "before ", "for ")
                )
            ):
                continue
            try:
                value = resolve(m, today, lang)
            except (ValueError, OverflowError, KeyError):
                value = None
            if value is not None:
                found.append(Span("date", value.isoformat(), m.start(), m.end()))
                if resolve in (_weekday, _numbered_weekday):
                    weekdays.add((m.start(), m.end()))
    spans = _weekday_and_day(keep_longest(found), folded, weekdays)
    if not spans and not after:
        spans = [
            Span("date", today.isoformat(), m.start(), m.end())
            for m in PART_OF_TODAY.finditer(folded)
        ][:1]
    return spans


_BETWEEN = re.compile(r"^[\s,-]*$")


def _weekday_and_day(spans: list[Span], folded: str, weekdays: set[tuple[int, int]]) -> list[Span]:
    """ "terça dia 1": a weekday next to a day number that falls on it is that day (the
    number wins). When they disagree ("sexta dia 1") both stay, and the dialogue asks."""
    ordered = sorted(spans, key=lambda s: s.start)
    out: list[Span] = []
    i = 0
    while i < len(ordered):
        a = ordered[i]
        b = ordered[i + 1] if i + 1 < len(ordered) else None
        if b is not None and _BETWEEN.match(folded[a.end : b.start]):
            named = [s for s in (a, b) if (s.start, s.end) in weekdays]
            numbered = [s for s in (a, b) if (s.start, s.end) not in weekdays]
            if len(named) == 1 and len(numbered) == 1:
                day = date.fromisoformat(str(numbered[0].value))
                if day.weekday() == date.fromisoformat(str(named[0].value)).weekday():
                    out.append(Span("date", numbered[0].value, a.start, b.end))
                    i += 2
                    continue
        out.append(a)
        i += 1
    return out
