"""Money amounts -> Decimal with two places ("R$ 1.250,50", "150 reais", "$50", "cem")."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bot.core.months import MONTHS
from bot.nlu.numbers import NUMBER_WORDS, words_to_int
from bot.nlu.spans import Span, free_of

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("10000000")

_NUMBER = re.compile(r"(?<![\w.,])\d[\d.,]*\d(?![\d])|(?<![\w.,])\d(?![\d])")
_CURRENCY_BEFORE = re.compile(r"(?:r\s?\$|us\$|\$|\brs\.?|\bbrl|\busd)\s*$")
_CURRENCY_AFTER = re.compile(
    r"^\s*(?:mil\s+)?(?:reais|real|conto|contos|pila|pilas|dilmas|dolares|dollars|dollar|"
    r"bucks|usd|brl|r\$)\b"
)
_THOUSAND_AFTER = re.compile(r"^(?:\s*mil\b|k\b|\s+thousand\b|\s+grand\b)")
_UNIT_AFTER = re.compile(
    r"^\s*(?:x(?![a-z])|vezes|vez\b|parcela|prestac|installment|payment|pagamentos|meses|mes\b(?!\s+passado)(?!\s+(?:que|q)\s+vem)|"
    r"months?|dias\b|dia\b(?!\s+\d)|days?\b|semanas?\b(?!\s+(?:que|q)\s+vem)(?!\s+passada)|weeks?|anos?\b|years?|horas?|hours?|hrs?\b|hs?\b|"
    r"min|am\b|pm\b|%|por\s+cento|percent|st\b|nd\b|rd\b|th\b|º|ª|o\b|a\b(?!\s*\d)(?!\s+(?:month|week|year|vista|cada)\b)|:|/|"
    # "50 de 15 em 15 dias", "de quinze em quinze dias": the first 15 is how often, not money
    r"em\s+(?:\d{1,2}|quinze|dez|sete|trinta)\s+(?:dias|semanas|meses)\b|"
    r"-\d|de\s+(?:" + "|".join(MONTHS) + r")\b|(?:" + "|".join(MONTHS) + r")\b|"
    r"opc|option|op\b|[a-z]*feira)"
)
_WORD_BEFORE = re.compile(
    r"(?:\bdia|\bthe|\bopcao|\bopção|\boption|\bop|\bnumero|\bnumber|\bno\.?|#|\bn[ºo]?\.?|"
    r"\bas|\bdas|\bate\s+as|\bat|\bitem|\bplano|\bplan|\bdaqui|\bdaqui\s+a|\bparcela|"
    r"\bparcelar\s+em|\bdividir\s+em|\bsplit\s+(?:it\s+)?in(?:to)?|\bcpf|\bcnpj|"
    r"\bcontrato|\bpedido|\bprotocolo|\bin|\bapt|\bn[uú]mero|\b(?:" + "|".join(MONTHS) + r"))\s*$"
)


_AND_HUNDREDS = re.compile(
    r"^\s+e\s+(?:(?P<digits>\d{1,3})(?![\d.,])|(?P<words>"
    + NUMBER_WORDS.pattern[len(r"(?<![\w])") :]
    + r"))"
)


def parse_number(raw: str) -> Decimal | None:
    """A digit string with Brazilian or US separators as a Decimal, or None.

    Both separators: the last one is the decimal mark. One kind, several times: thousands.
    Once: followed by three digits it groups thousands ("1.250", "1,250"), by one or two
    it is the decimal mark ("12,50", "12.50").
    """
    dots, commas = raw.count("."), raw.count(",")
    try:
        if dots and commas:
            dec = "." if raw.rfind(".") > raw.rfind(",") else ","
            thou = "," if dec == "." else "."
            whole, _, frac = raw.rpartition(dec)
            if whole.count(dec) or not _grouped(whole, thou) or len(frac) > 2:
                return None
            return Decimal(whole.replace(thou, "") + "." + frac)
        sep = "." if dots else "," if commas else ""
        if not sep:
            return Decimal(raw)
        parts = raw.split(sep)
        if len(parts) > 2:
            return Decimal("".join(parts)) if _grouped(raw, sep) else None
        if len(parts[1]) == 3:
            return Decimal(parts[0] + parts[1]) if len(parts[0]) <= 3 else None
        if len(parts[1]) in (1, 2):
            return Decimal(parts[0] + "." + parts[1])
        return None
    except InvalidOperation:
        return None


def _grouped(whole: str, sep: str) -> bool:
    groups = whole.split(sep)
    return 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def money_string(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _ok(value: Decimal | None) -> bool:
    return value is not None and Decimal(0) < value < MAX_AMOUNT


def extract_amounts(
    folded: str, taken: list[Span], *, whole_is_option: bool = False
) -> list[Span]:
    """Money amounts in a folded text, skipping spans already taken (dates, installments)."""
    found: list[Span] = []
    for m in _NUMBER.finditer(folded):
        raw = m[0]
        start, end = m.start(), m.end()
        before, after = folded[max(0, start - 30) : start], folded[end : end + 40]
        currency = _CURRENCY_BEFORE.search(before)
        # a money word after the number outweighs the word before it: "pay the 300 reais"
        # ("the" otherwise leads a day, "the 15th"), "o 50 conto"
        word_before = _WORD_BEFORE.search(before) and not _CURRENCY_AFTER.search(after)
        if currency is None and (_UNIT_AFTER.search(after) or word_before or whole_is_option):
            continue
        if currency is None and "." not in raw and "," not in raw and len(raw) > 7:
            continue  # phone numbers, documents, bar codes
        if after.startswith("-") or before.endswith(("-", "/", ":")):
            continue
        value = parse_number(raw)
        if value is None:
            continue
        thousand = _THOUSAND_AFTER.search(after)
        if thousand:
            value *= 1000
            end += thousand.end()
            after = folded[end : end + 40]
            rest = _AND_HUNDREDS.match(after)  # "2 mil e quinhentos", "1 mil e 200"
            if rest:
                extra = rest["digits"] or rest["words"]
                hundreds = int(extra) if extra.isdigit() else words_to_int(extra)
                if hundreds is not None and 0 < hundreds < 1000:
                    value += hundreds
                    end += rest.end()
                    after = folded[end : end + 40]
        elif (
            currency is None
            and raw.isdigit()
            and int(raw) < 10
            and not _CURRENCY_AFTER.search(after)
        ):
            continue  # "pode ser em 3?": a bare digit is a count or an option, not money
        tail = _CURRENCY_AFTER.search(after)
        if tail:
            end += tail.end()
        if currency is not None:
            start -= len(currency[0])
        span = Span("amount", "", start, end)
        if _ok(value) and free_of(span, taken + found):
            found.append(Span("amount", money_string(value), start, end))
    found.extend(_word_amounts(folded, taken + found))
    return sorted(found, key=lambda s: s.start)


def _word_amounts(folded: str, taken: list[Span]) -> list[Span]:
    found: list[Span] = []
    for m in NUMBER_WORDS.finditer(folded):
        value = words_to_int(m[0])
        if value is None:
            continue
        start, end = m.start(), m.end()
        after = folded[end : end + 40]
        tail = _CURRENCY_AFTER.search(after)
        if tail:
            end += tail.end()
        elif (
            value < 10
            or m[0] in ("mil", "thousand", "grand", "cem", "cento", "hundred")
            or _UNIT_AFTER.search(after)
            or _WORD_BEFORE.search(folded[max(0, start - 30) : start])
        ):
            continue
        span = Span("amount", money_string(Decimal(value)), start, end)
        if _ok(Decimal(value)) and free_of(span, taken):
            found.append(span)
    return found
