"""Dynamic BR Codes: field 26 carries the location URL (id 25); the CRC holds; round trip."""

from __future__ import annotations

import pytest

from bot.offers.pix import build_pix_code, crc16, decode_pix_code
from bot.payments.brcode import build_dynamic_pix_code, location_of

LOCATION = "pix.banco.example/qr/v2/cobv/9d36b84fc70b478fb95c12729b90ca25"


def test_a_dynamic_code_decodes_to_its_location_and_single_use_marker() -> None:
    code = build_dynamic_pix_code(
        location="https://" + LOCATION, name="Loja Exemplo", city="São Paulo"
    )
    fields = decode_pix_code(code)
    assert fields["01"] == "12"
    assert fields["26"] == {"00": "br.gov.bcb.pix", "25": LOCATION}
    assert fields["62"] == {"05": "***"}
    assert fields["60"] == "Sao Paulo"
    assert "54" not in fields  # the amount is what the PSP's payload says
    assert code[-4:] == crc16(code[:-4])
    assert location_of(code) == LOCATION


def test_a_dynamic_code_round_trips_through_its_fields() -> None:
    code = build_dynamic_pix_code(location=LOCATION, name="LOJA EXEMPLO", city="SAO PAULO")
    fields = decode_pix_code(code)
    account = fields["26"]
    assert isinstance(account, dict)
    rebuilt = build_dynamic_pix_code(
        location=account["25"], name=str(fields["59"]), city=str(fields["60"])
    )
    assert rebuilt == code


def test_a_changed_character_fails_the_crc() -> None:
    code = build_dynamic_pix_code(location=LOCATION, name="LOJA", city="SAO PAULO")
    tampered = code.replace("cobv", "cobx")
    with pytest.raises(ValueError, match="bad CRC"):
        decode_pix_code(tampered)


def test_a_static_code_has_no_location() -> None:
    code = build_pix_code(key="pagamentos@loja.com.br", name="LOJA", city="SAO PAULO", amount=None)
    assert location_of(code) is None


def test_a_location_too_long_for_the_field_is_refused() -> None:
    with pytest.raises(ValueError, match="1 to 77"):
        build_dynamic_pix_code(location="x" * 78, name="LOJA", city="SAO PAULO")
