"""Number words in Portuguese and English ("cento e cinquenta", "twenty-five", "três")."""

from __future__ import annotations

import re

UNITS: dict[str, int] = {
    # Portuguese (folded: no accents)
    "zero": 0,
    "um": 1,
    "uma": 1,
    "dois": 2,
    "duas": 2,
    "tres": 3,
    "quatro": 4,
    "cinco": 5,
    "seis": 6,
    "sete": 7,
    "oito": 8,
    "nove": 9,
    "dez": 10,
    "onze": 11,
    "doze": 12,
    "treze": 13,
    "catorze": 14,
    "quatorze": 14,
    "quinze": 15,
    "dezesseis": 16,
    "dezasseis": 16,
    "dezessete": 17,
    "dezoito": 18,
    "dezenove": 19,
    "vinte": 20,
    "trinta": 30,
    "quarenta": 40,
    "cinquenta": 50,
    "cincoenta": 50,
    "sessenta": 60,
    "setenta": 70,
    "oitenta": 80,
    "noventa": 90,
    "cem": 100,
    "cento": 100,
    "duzentos": 200,
    "duzentas": 200,
    "trezentos": 300,
    "trezentas": 300,
    "quatrocentos": 400,
    "quatrocentas": 400,
    "quinhentos": 500,
    "quinhentas": 500,
    "seiscentos": 600,
    "seiscentas": 600,
    "setecentos": 700,
    "setecentas": 700,
    "oitocentos": 800,
    "oitocentas": 800,
    "novecentos": 900,
    "novecentas": 900,
    # spoken augmentatives: "duzentão", "quinhentão" (folded)
    "duzentao": 200,
    "trezentao": 300,
    "quatrocentao": 400,
    "quinhentao": 500,
    "seiscentao": 600,
    "setecentao": 700,
    "oitocentao": 800,
    "novecentao": 900,
    # English
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
HUNDRED = {"hundred"}
# Spoken English prices: "two fifty" is 250, "three ninety-nine" is 399 (a digit word
# followed straight by a tens word, no "hundred" said).
_EN_DIGITS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
_EN_TENS = {"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
THOUSAND = {"mil", "thousand", "k", "grand"}
JOINERS = {"e", "and"}

ORDINALS: dict[str, int] = {
    "primeira": 1,
    "primeiro": 1,
    "segunda": 2,
    "segundo": 2,
    "terceira": 3,
    "terceiro": 3,
    "quarta": 4,
    "quarto": 4,
    "quinta": 5,
    "quinto": 5,
    "sexta": 6,
    "sexto": 6,
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
    "5th": 5,
    "6th": 6,
    "1a": 1,
    "2a": 2,
    "3a": 3,
    "4a": 4,
    "5a": 5,
    "1o": 1,
    "2o": 2,
    "3o": 3,
    "1ª": 1,
    "2ª": 2,
    "3ª": 3,
    "4ª": 4,
    "1º": 1,
    "2º": 2,
    "3º": 3,
}

_ALL = sorted(set(UNITS) | HUNDRED | {"mil", "thousand", "grand"}, key=len, reverse=True)
# "a" is a number word only before hundred/thousand ("a hundred"): "quinhentos a vista",
# "fifty a week" end before it (the run "quinhentos a" was no number at all)
_WORD = r"(?:a(?=[\s-]+(?:hundred|thousand|grand)\b)|" + "|".join(_ALL) + r")"
# A run of number words, joined by spaces, hyphens, "e" or "and".
NUMBER_WORDS = re.compile(
    r"(?<![\w])" + _WORD + r"(?:(?:\s+(?:e|and)\s+|[\s-]+)" + _WORD + r")*(?![\w])"
)


def words_to_int(phrase: str) -> int | None:
    """Value of a folded number-word phrase, or None when it is not one.

    >>> words_to_int("cento e cinquenta")
    150
    >>> words_to_int("two thousand five hundred")
    2500
    >>> words_to_int("two fifty")
    250
    """
    tokens = [t for t in re.split(r"[\s-]+", phrase.strip()) if t]
    if not tokens:
        return None
    total = 0
    current = 0
    seen = False
    for i, token in enumerate(tokens):
        if token in JOINERS:
            continue
        if token == "a":  # "a hundred", "a thousand"
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if nxt in HUNDRED or nxt in THOUSAND:
                current += 1
                continue
            return None
        if token in _EN_TENS and i > 0 and tokens[i - 1] in _EN_DIGITS and current < 10:
            current = current * 100 + UNITS[token]  # "two fifty"
            seen = True
        elif token in UNITS:
            current += UNITS[token]
            seen = True
        elif token in HUNDRED:
            current = max(current, 1) * 100
            seen = True
        elif token in THOUSAND:
            total += max(current, 1) * 1000
            current = 0
            seen = True
        else:
            return None
    return total + current if seen else None


def small_number(token: str) -> int | None:
    """A digit string or a single number word as an int ("3", "tres", "three")."""
    token = token.strip()
    if token.isdigit() and len(token) <= 4:
        return int(token)
    return words_to_int(token)
