"""Dynamic PIX BR Codes: the payload lives at the PSP's location URL (field 26, id 25).

A dynamic code carries no key and no amount: the payer's bank fetches the charge from the
location, so the amount, due date, fine and interest are what the PSP says. Point of
initiation 12 marks it as single use; the txid is ``***`` because it is in the payload.
"""

from __future__ import annotations

from bot.offers.pix import GUI, ascii_fold, crc16, decode_pix_code


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def build_dynamic_pix_code(*, location: str, name: str, city: str) -> str:
    """The copy-and-paste code for a charge at ``location`` (scheme optional, dropped)."""
    url = location.strip()
    for scheme in ("https://", "http://"):
        if url.lower().startswith(scheme):
            url = url[len(scheme) :]
    if not url or len(url) > 77:
        raise ValueError("a PIX location URL must have 1 to 77 characters")
    merchant_name, merchant_city = ascii_fold(name, 25), ascii_fold(city, 15)
    if not merchant_name or not merchant_city:
        raise ValueError("merchant name and city are required")
    parts = [
        _tlv("00", "01"),
        _tlv("01", "12"),
        _tlv("26", _tlv("00", GUI) + _tlv("25", url)),
        _tlv("52", "0000"),
        _tlv("53", "986"),
        _tlv("58", "BR"),
        _tlv("59", merchant_name),
        _tlv("60", merchant_city),
        _tlv("62", _tlv("05", "***")),
    ]
    payload = "".join(parts) + "6304"
    return payload + crc16(payload)


def location_of(code: str) -> str | None:
    """The location URL of a dynamic code, ``None`` for a static one (raises if malformed)."""
    fields = decode_pix_code(code)
    account = fields.get("26")
    if not isinstance(account, dict) or account.get("00", "").lower() != GUI:
        raise ValueError("not a PIX code: field 26 does not name br.gov.bcb.pix")
    return account.get("25")
