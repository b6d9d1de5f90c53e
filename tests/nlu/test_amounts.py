from __future__ import annotations

import pytest

from bot.nlu.amounts import extract_amounts, parse_number
from bot.nlu.normalize import fold


def amounts_of(text: str) -> list[str]:
    return [str(s.value) for s in extract_amounts(fold(text), [])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("R$ 1.250,50", ["1250.50"]),
        ("R$1250", ["1250.00"]),
        ("150 reais", ["150.00"]),
        ("$50", ["50.00"]),
        ("$1,250.50", ["1250.50"]),
        ("cento e cinquenta", ["150.00"]),
        ("cento e cinquenta reais", ["150.00"]),
        ("vou pagar 100 na sexta", ["100.00"]),
        ("2 mil reais", ["2000.00"]),
        ("80 bucks", ["80.00"]),
        ("one hundred and fifty dollars", ["150.00"]),
        ("R$ 60,00 por mês", ["60.00"]),
        # "semana que vem" / "mês que vem" is when, not "500 weeks" (the 500 was dropped)
        ("posso pagar 500 semana que vem", ["500.00"]),
        ("consigo 500 mes que vem", ["500.00"]),
        # how often is no amount: "a cada 15 dias", "de 15 em 15 dias"
        ("50 agora e 50 a cada 15 dias", ["50.00", "50.00"]),
        ("50 de 15 em 15 dias", ["50.00"]),
        ("50 de quinze em quinze dias", ["50.00"]),
    ],
)
def test_amounts(text: str, expected: list[str]) -> None:
    assert amounts_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "3x",
        "dia 12",
        "daqui 3 dias",
        "15/12",
        "as 10h",
        "meu cpf 12345678909",
        "100%",
        "em 3 semanas",
        "parcelar em 10 meses",
    ],
)
def test_not_amounts(text: str) -> None:
    assert amounts_of(text) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1.250,50", "1250.50"), ("1,250.50", "1250.50"), ("12,5", "12.5"), ("1.250", "1250")],
)
def test_parse_number(raw: str, expected: str) -> None:
    from decimal import Decimal

    assert parse_number(raw) == Decimal(expected)
