"""PIX BR Code against the Banco Central's BR Code manual examples."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.offers.pix import build_pix_code, crc16, decode_pix_code, pix_qr_png

EVP = "123e4567-e12b-12d1-a456-426655440000"
# Manual de Padrões para Iniciação do Pix (BR Code), static example: random key, no amount.
MANUAL_STATIC = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000"
    "5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D"
)
# The manual's dynamic example (a payload location instead of a key).
MANUAL_DYNAMIC = (
    "00020101021226700014br.gov.bcb.pix2548pix.example.com/8b3da2f39a4140d1a91abd93113bd441"
    "5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***630464E4"
)
# The manual's composite example: the static key with an amount of 100.50 and a template 80.
MANUAL_COMPOSITE = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000"
    "5204000053039865406100.505802BR5913Fulano de Tal6008BRASILIA62070503***"
    "80740014br.gov.bcb.pix2552pix.example.com/rec/2353c790eefb11eaadc10242ac120002"
    "63042875"
)


def test_builds_the_manuals_static_example_byte_for_byte() -> None:
    code = build_pix_code(key=EVP, name="Fulano de Tal", city="BRASILIA", amount=None)

    assert code == MANUAL_STATIC
    assert code[-4:] == "1D3D"


def test_builds_the_manuals_amount_field_like_the_composite_example() -> None:
    code = build_pix_code(key=EVP, name="Fulano de Tal", city="BRASILIA", amount=Decimal("100.5"))

    prefix = MANUAL_COMPOSITE.split("80740014")[0]
    assert code.startswith(prefix)
    assert code[-4:] == crc16(code[:-4])


@pytest.mark.parametrize(
    ("code", "crc"),
    [(MANUAL_STATIC, "1D3D"), (MANUAL_DYNAMIC, "64E4"), (MANUAL_COMPOSITE, "2875")],
)
def test_crc_of_the_manuals_examples(code: str, crc: str) -> None:
    assert crc16(code[:-4]) == crc


def test_crc_check_value() -> None:
    assert crc16("123456789") == "29B1"  # CRC-16/CCITT-FALSE check value


def test_decodes_the_manuals_examples() -> None:
    static = decode_pix_code(MANUAL_STATIC)
    assert static == {
        "00": "01",
        "26": {"00": "br.gov.bcb.pix", "01": EVP},
        "52": "0000",
        "53": "986",
        "58": "BR",
        "59": "Fulano de Tal",
        "60": "BRASILIA",
        "62": {"05": "***"},
        "63": "1D3D",
    }
    dynamic = decode_pix_code(MANUAL_DYNAMIC)
    assert dynamic["01"] == "12"
    assert dynamic["26"] == {
        "00": "br.gov.bcb.pix",
        "25": "pix.example.com/8b3da2f39a4140d1a91abd93113bd441",
    }
    composite = decode_pix_code(MANUAL_COMPOSITE)
    assert composite["54"] == "100.50"
    assert composite["80"] == {
        "00": "br.gov.bcb.pix",
        "25": "pix.example.com/rec/2353c790eefb11eaadc10242ac120002",
    }


def test_round_trip_with_amount_txid_description_and_folding() -> None:
    code = build_pix_code(
        key="pagamentos@lojaexemplo.com.br",
        name="Móveis Conceição & Filhos Ltda ME",
        city="São José dos Campos",
        amount=Decimal("90"),
        txid="AGR42P1",
        description="Acordo 42 – parcela 1",
    )

    fields = decode_pix_code(code)

    assert fields["26"] == {
        "00": "br.gov.bcb.pix",
        "01": "pagamentos@lojaexemplo.com.br",
        "02": "Acordo 42 parcela 1",  # the dash is not ASCII
    }
    assert fields["54"] == "90.00"
    assert fields["59"] == "Moveis Conceicao & Filhos"
    assert fields["60"] == "Sao Jose dos Ca"
    assert fields["62"] == {"05": "AGR42P1"}
    code.encode("ascii")
    assert list(fields) == ["00", "26", "52", "53", "54", "58", "59", "60", "62", "63"]


def test_a_long_description_is_cut_to_fit_field_26() -> None:
    code = build_pix_code(
        key=EVP, name="Loja", city="Recife", amount=None, description="parcela " * 20
    )

    account = decode_pix_code(code)["26"]
    assert isinstance(account, dict)
    assert len("".join(f"{k}{len(v):02d}{v}" for k, v in account.items())) <= 99


@pytest.mark.parametrize(
    "change", [lambda c: c[:-1] + "0", lambda c: c.replace("Fulano", "Fulana"), lambda c: c[:-8]]
)
def test_a_tampered_code_fails_the_crc(change: object) -> None:
    with pytest.raises(ValueError, match="CRC"):
        decode_pix_code(change(MANUAL_STATIC))  # type: ignore[operator]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"txid": "has-dash"}, "txid"),
        ({"txid": "A" * 26}, "txid"),
        ({"amount": Decimal("0")}, "positive"),
        ({"amount": Decimal("-5")}, "positive"),
        ({"amount": Decimal("12345678901.00")}, "13 characters"),
        ({"key": ""}, "key"),
        ({"key": "k" * 78}, "key"),
        ({"name": "  "}, "name and city"),
    ],
)
def test_bad_inputs_are_refused(kwargs: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"key": EVP, "name": "Loja", "city": "Recife", "amount": None}
    values.update(kwargs)
    with pytest.raises(ValueError, match=message):
        build_pix_code(**values)  # type: ignore[arg-type]


def test_qr_png() -> None:
    png = pix_qr_png(MANUAL_STATIC)

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 200
