"""The configuration-driven payment provider."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.offers.payments import ConfiguredPaymentProvider, PaymentProvider, pix_txid
from bot.offers.pix import decode_pix_code


def provider(**overrides: object) -> ConfiguredPaymentProvider:
    values: dict[str, object] = {
        "pix_key": "pagamentos@lojaexemplo.com.br",
        "merchant_name": "Loja Exemplo",
        "merchant_city": "São Paulo",
        "link_template": "https://pay.example/{reference}?amount={amount}",
    }
    values.update(overrides)
    return ConfiguredPaymentProvider(**values)  # type: ignore[arg-type]


def test_pix_and_link() -> None:
    port: PaymentProvider = provider()

    result = port.instructions(
        amount=Decimal("90"), reference="AGR-42/1", debtor_name="Paula", methods=["pix", "link"]
    )

    assert result.amount == Decimal("90.00")
    assert result.reference == "AGR-42/1"
    assert result.methods == ("pix", "link")
    assert result.link == "https://pay.example/AGR-42%2F1?amount=90.00"
    assert result.boleto_line is None
    assert result.pix_code is not None
    fields = decode_pix_code(result.pix_code)
    assert fields["54"] == "90.00"
    assert fields["62"] == {"05": "AGR421"}
    assert fields["60"] == "Sao Paulo"
    assert result.pix_qr_png is not None
    assert result.pix_qr_png.startswith(b"\x89PNG")


def test_the_static_key_goes_with_its_code_only() -> None:
    """ "qual a chave pix? prefiro digitar": the key of a static code may be typed instead."""
    with_pix = provider().instructions(
        amount=Decimal("10"), reference="R1", debtor_name="X", methods=["pix"]
    )
    assert with_pix.pix_key == "pagamentos@lojaexemplo.com.br"
    only_link = provider().instructions(
        amount=Decimal("10"), reference="R1", debtor_name="X", methods=["link"]
    )
    assert only_link.pix_key is None


def test_only_the_methods_asked_and_configured() -> None:
    only_link = provider().instructions(
        amount=Decimal("10"), reference="R1", debtor_name="X", methods=["link", "boleto"]
    )
    assert (only_link.pix_code, only_link.pix_qr_png, only_link.boleto_line) == (None, None, None)

    no_key = provider(pix_key=None, link_template=None).instructions(
        amount=Decimal("10"), reference="R1", debtor_name="X", methods=["pix", "link"]
    )
    assert no_key.methods == ()


def test_refusals() -> None:
    with pytest.raises(ValueError, match="positive"):
        provider().instructions(
            amount=Decimal("0"), reference="R", debtor_name="X", methods=["pix"]
        )
    with pytest.raises(ValueError, match="unknown payment methods"):
        provider().instructions(
            amount=Decimal("1"), reference="R", debtor_name="X", methods=["cash"]
        )
    with pytest.raises(ValueError, match="boleto needs a gateway"):
        provider(boleto_enabled=True)
    with pytest.raises(ValueError, match="link_template"):
        provider(link_template="https://pay.example/{debt}")


@pytest.mark.parametrize(
    ("reference", "txid"), [("AGR-42/1", "AGR421"), ("---", "***"), ("x" * 30, "x" * 25)]
)
def test_pix_txid(reference: str, txid: str) -> None:
    assert pix_txid(reference) == txid
