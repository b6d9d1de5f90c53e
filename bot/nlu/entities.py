"""Entity extraction: installments, options, payment methods, and the whole pipeline.

Everything here is a pure function of (text, today, language) and never raises.
"""

from __future__ import annotations

import re
from datetime import date

from bot.core.months import MONTHS
from bot.core.parse import Entity
from bot.nlu.amounts import extract_amounts
from bot.nlu.dates import after_dates, extract_dates
from bot.nlu.normalize import clean_input, fold
from bot.nlu.numbers import ORDINALS, small_number
from bot.nlu.phones import extract_phones
from bot.nlu.spans import Span, free_of, keep_longest

_N = (
    r"\d{1,2}|uma|um|duas|dois|tres|quatro|cinco|seis|sete|oito|nove|dez|onze|doze|"
    r"quinze|dezoito|vinte|vinte e quatro|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|fifteen|eighteen|twenty|twenty[\s-]four|one"
)
_INSTALLMENTS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<![\w.,$])(?P<n>\d{1,2})\s*x(?![a-wyz])"),
    re.compile(
        r"\b(?P<n>" + _N + r")\s+(?:(?:monthly|equal|small|parcelas|pequenas|mensais|iguais)\s+)?"
        r"(?:vezes|parcelas|parcela|parcelinhas|prestacoes|prestacao|prestacoes|pagamentos|"
        r"installments|installment|payments|instalments|instalment|monthly\s+payments)\b"
    ),
    re.compile(
        r"\b(?:parcel\w*|divid\w*|split\w*|spread\w*|break\w*)(?:\s+(?:it|isso|o valor|this|"
        r"a divida|the debt|tudo|the amount|the balance|o saldo))?\s+(?:em|in|into|over|por)\s+"
        r"(?P<n>" + _N + r")\b(?!\s*(?:reais|dias|days|semanas|weeks)\b|[.,]\d)"
    ),
    re.compile(
        r"\b(?:over|across)\s+(?P<n>"
        + _N
        + r")\s+months\b|\bem\s+(?P<m>"
        + _N
        + r")\s+meses\b(?=.*\b(?:parcel|divid|pagar|pago))"
    ),
)
_INSTALLMENTS = (
    *_INSTALLMENTS,
    # "e em 8?" / "and in 8?" as the whole message, while a plan is discussed: 8 installments
    re.compile(r"^\W*(?:e|and|mas|but)?\s*(?:em|in)\s+(?P<n>\d{1,2}|" + _N + r")\s*\W*$"),
    re.compile(
        r"\b(?:pagar|parcelar|dividir|pay|split)\s+(?:isso\s+|tudo\s+|it\s+|o\s+valor\s+)?"
        r"(?:em|in|over)\s+(?P<n>" + _N + r")\s+(?:meses|months)\b"
    ),
)
_OPTION_NOUN = (
    r"(?:opcao|opção|opcoes|opc|op|opt|option|alternativa|alternative|proposta|oferta|offer|"
    r"plano|plan|choice|numero|number|n[ºo°]|#)"
)
_ORD = r"(?P<ord>" + "|".join(sorted(ORDINALS, key=len, reverse=True)) + r")"
_OPTIONS = (
    re.compile(r"(?<![\w])" + _OPTION_NOUN + r"\.?\s*(?:de\s+)?(?P<n>\d{1,2}|" + _N + r")\b"),
    re.compile(
        r"\b" + _ORD + r"\s+(?:opcao|opção|option|alternativa|alternative|proposta|"
        r"oferta|offer|plano|plan|choice|one|forma)\b"
        # "when is the first one due?": an installment, not an option
        r"(?!\s+(?:be\s+)?(?:due|paid)\b)"
    ),
)
# "opção B", "option c": options shown with letters, a = 1 (only as the message's end)
_LETTER_OPTION = re.compile(
    r"(?<![\w])(?:opcao|opção|opc|op|option|alternativa|alternative|letra|letter)\s+"
    r"(?P<letter>[a-e])(?:\s+(?:please|pls|plz|por\s+favor|pfv|pf))?\W*$"
)
_ARTICLE_ORD = re.compile(
    r"\b(?P<art>a|o|the)\s+"
    + _ORD
    + r"(?![\w-])(?!\s*-?\s*feira)(?!\s+(?:of|de)\s+(?:"
    + "|".join(MONTHS)
    + r")\b)"
)
_INSTALLMENT_AFTER = re.compile(
    r"\s+(?:parcela\s+|prestacao\s+|installment\s+|payment\s+)?(?:so\s+|somente\s+|apenas\s+|"
    r"only\s+)?(?:pro|pra|no|para\s+o|dia|on\s+the|in)\b"
    # "the first payment", "a primeira parcela": an installment of the plan, not an option
    r"|\s+(?:parcela|prestacao|installment|payment)s?\b"
)
_NOT_OPTION_BEFORE = re.compile(
    r"\b(?:ate|na|no|pra|para|on|by|until|till|this|next|dia|de|desde|since|vence|vencem|"
    r"when\s+is|when\s+are|when\s+will)\s*$"
)
_WHOLE = re.compile(
    r"^\W*(?:(?:quero|escolho|fico com|vou de|vou na|vou com|pode ser|prefiro|manda|"
    r"i want|i'll take|ill take|i choose|i pick|i'd like|id like|take|pick|go with|i'll go with|"
    r"let'?s go with|let'?s do|lets do|i'll go for|go for"
    r")\s+)?(?:a|o|the|number|numero|n)?\s*(?P<n>\d{1,2}|"
    + _ORD[8:-1]
    + r"|"
    + _N
    + r")(?:\s+(?:one|please|pls|por favor|pf|pfv|pfvr|plz|entao|then|ok|blz|thanks|obg))?\W*$"
)
PAYMENT_METHODS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pix", re.compile(r"\b(?:pix|piks|pics|chave\s+pix|qr\s*code)\b")),
    (
        "boleto",
        re.compile(
            r"\b(?:boleto|boletos|bolet|codigo\s+de\s+barras|barcode|bank\s+slip|"
            r"linha\s+digitavel|loterica|lotericas|casa\s+loterica)\b"
        ),
    ),
    (
        "card",
        re.compile(
            r"\b(?:cartao|cartoes|card|credito|debito|credit|debit|visa|"
            r"mastercard|maquininha)\b"
        ),
    ),
    ("link", re.compile(r"\b(?:link|links|linkzinho)\b")),
    (
        "transfer",
        re.compile(
            r"\b(?:transferencia|transferir|transfiro|ted|doc|deposito|"
            r"depositar|deposit|transfer|wire|bank\s+transfer|zelle|venmo)\b"
        ),
    ),
    (
        "cash",
        re.compile(
            r"\b(?:em|no|com|in|pay|with)\s+(?:dinheiro|especie|cash)\b|"
            r"\bdinheiro\s+vivo\b|\bcash\b(?<!no\scash)|\bem\s+maos\b"
        ),
    ),
)


def _ordinal(token: str) -> int | None:
    return ORDINALS.get(token) or small_number(token)


def extract_options(folded: str) -> list[Span]:
    """The option chosen: "opção 2", "a segunda", "option three", "the first one", "1"."""
    found: list[Span] = []
    whole = _WHOLE.match(folded)
    if whole:
        n = _ordinal(whole["n"])
        if n is not None and 1 <= n <= 9:
            return [Span("option", n, whole.start("n"), whole.end("n"))]
    for pattern in _OPTIONS:
        for m in pattern.finditer(folded):
            n = _ordinal(m["ord"] if "ord" in m.groupdict() else m["n"])
            if n is not None and 1 <= n <= 9:
                found.append(Span("option", n, m.start(), m.end()))
    letter = _LETTER_OPTION.search(folded)
    if letter:
        n = "abcde".index(letter["letter"]) + 1
        found.append(Span("option", n, letter.start(), letter.end("letter")))
    for m in _ARTICLE_ORD.finditer(folded):
        if _NOT_OPTION_BEFORE.search(folded[max(0, m.start() - 12) : m.start()]):
            continue
        if _INSTALLMENT_AFTER.match(folded, m.end()):
            continue  # "3x com a primeira só dia 10": the first installment, not an option
        found.append(Span("option", ORDINALS[m["ord"]], m.start("ord"), m.end()))
    return keep_longest(found)


def extract_installments(folded: str) -> list[Span]:
    """Number of installments: "3x", "em 5 vezes", "três parcelas", "4 payments"."""
    found: list[Span] = []
    for pattern in _INSTALLMENTS:
        for m in pattern.finditer(folded):
            token = m["n"] if m["n"] is not None else m.groupdict().get("m")
            n = small_number(token) if token else None
            if n is not None and 1 <= n <= 72:
                found.append(Span("installments", n, m.start(), m.end()))
    return keep_longest(found)


def extract_payment_methods(folded: str) -> list[Span]:
    found: list[Span] = []
    for name, pattern in PAYMENT_METHODS:
        for m in pattern.finditer(folded):
            if name == "cash" and re.search(r"\b(?:no|any|sem)\s+$", folded[: m.start()]):
                continue
            found.append(Span("payment_method", name, m.start(), m.end()))
    return keep_longest(found)


def extract(text: str, today: date, language: str = "pt") -> tuple[Entity, ...]:
    """All entities of a message, resolved against ``today``; never raises."""
    try:
        return _extract(text, today, language)
    except Exception:  # noqa: BLE001 - a parse must never fail because of an extractor
        return ()


_WEEKDAY_ORDINALS = re.compile(r"(?:n?a\s+)?(?:segunda|terca|quarta|quinta|sexta)(?:-feira)?")


# "the 2nd" is the second option or the 2nd of the month, like "quinta" above
_ORDINAL_DAY = re.compile(r"(?:the\s+)?\d{1,2}(?:st|nd|rd|th)")


def _is_weekday_word(text: str) -> bool:
    text = text.strip()
    return (
        _WEEKDAY_ORDINALS.fullmatch(text) is not None or _ORDINAL_DAY.fullmatch(text) is not None
    )


_SQUEEZE = re.compile(r"([a-z])\1{2,}|([aiu])\2(?![a-z])")


def squeeze(folded: str) -> tuple[str, list[int]]:
    """Stretched letters collapsed ("amanhaaa", "sextaa" -> "amanha", "sexta").

    Returns the squeezed text and, for each of its characters, the offset of that
    character in ``folded``, so spans found in the squeezed text map back to the message.
    Runs of three or more equal letters become one; a doubled a/i/u ending a word (never
    a real ending in Portuguese or English) becomes one.
    """
    out: list[str] = []
    index: list[int] = []
    pos = 0
    for m in _SQUEEZE.finditer(folded):
        if m.start() == 0 or not folded[m.start() - 1].isalpha():
            continue  # "aaa" alone, "uu" alone: not a stretched word
        out.append(folded[pos : m.start() + 1])
        index.extend(range(pos, m.start() + 1))
        pos = m.end()
    out.append(folded[pos:])
    index.extend(range(pos, len(folded)))
    return "".join(out), index


def _extract(text: str, today: date, language: str) -> tuple[Entity, ...]:
    cleaned = clean_input(text)
    folded, index = squeeze(fold(cleaned))
    # a phone number's digits are nobody else's: no amount, option, count or day in them
    phones = extract_phones(folded)
    found_dates = [d for d in extract_dates(folded, today, language) if free_of(d, phones)]
    # "friday the 4th", "the 4th of december": an ordinal inside a date that also names a
    # weekday or a month is that day, not the 4th option
    compound = [d for d in found_dates if not _is_weekday_word(folded[d.start : d.end])]
    options = [
        o
        for o in extract_options(folded)
        if free_of(o, phones)
        and not any(d.start <= o.start and o.end <= d.end and d != o for d in compound)
    ]
    installments = [
        s for s in extract_installments(folded) if free_of(s, options) and free_of(s, phones)
    ]
    # "quinta" is both a weekday and "fifth": keep both readings, the dialogue's state
    # (a day was asked for, or options are on screen) decides which one is meant
    dates = [
        s
        for s in found_dates
        if (free_of(s, options) or _is_weekday_word(folded[s.start : s.end]))
        and free_of(s, installments)
    ]
    whole_is_option = bool(options) and bool(_WHOLE.match(folded))
    bounds = [s for s in after_dates(folded, today, language) if free_of(s, options)]
    taken = options + installments + dates + bounds
    amounts = extract_amounts(folded, taken + phones, whole_is_option=whole_is_option)
    methods = extract_payment_methods(folded)
    spans = sorted(taken + amounts + methods, key=lambda s: s.start)
    entities = []
    for s in spans:
        start = index[s.start]
        end = index[s.end] if s.end < len(index) else len(cleaned)
        entities.append(Entity(s.entity, s.value, start, end, cleaned[start:end], s.role))
    return tuple(entities)
