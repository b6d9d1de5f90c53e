"""Static PIX BR Code ("PIX copia e cola"): build, decode and draw as a QR code.

The payload is EMV QRCPS TLV (two-digit id, two-digit length, value) as in the Banco
Central's BR Code manual: 00 format indicator, 26 merchant account (GUI br.gov.bcb.pix,
01 key, 02 description), 52 category, 53 currency (986), 54 amount, 58 country, 59 name,
60 city, 62 additional data (05 txid) and 63 the CRC16-CCITT-FALSE of everything before
its value, in upper-case hex.
"""

from __future__ import annotations

import io
import re
import unicodedata
from decimal import Decimal

GUI = "br.gov.bcb.pix"
_TEMPLATES = {"26", "62"} | {str(n) for n in range(27, 52)} | {str(n) for n in range(80, 100)}
_TXID = re.compile(r"^(\*\*\*|[A-Za-z0-9]{1,25})$")

PixFields = dict[str, str | dict[str, str]]


def crc16(data: str) -> str:
    """CRC16-CCITT-FALSE (polynomial 0x1021, initial 0xFFFF) as four upper-case hex digits."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def ascii_fold(text: str, limit: int) -> str:
    """Accents removed, only printable ASCII kept, cut to ``limit`` characters."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    plain = " ".join("".join(c for c in plain if c.isprintable()).split())
    return plain[:limit].rstrip()


def build_pix_code(
    *,
    key: str,
    name: str,
    city: str,
    amount: Decimal | None,
    txid: str = "***",
    description: str | None = None,
) -> str:
    """A static BR Code for ``key``; ``amount`` ``None`` lets the payer type it.

    ``name`` (at most 25) and ``city`` (at most 15) are ASCII-folded and cut; ``txid`` is
    ``***`` or up to 25 letters and digits; ``description`` is cut to fit field 26.
    """
    key = key.strip()
    if not key or len(key) > 77:
        raise ValueError("the PIX key must have 1 to 77 characters")
    if not _TXID.match(txid):
        raise ValueError("txid must be *** or 1 to 25 letters and digits")
    account = _tlv("00", GUI) + _tlv("01", key)
    if description:
        room = 99 - len(account) - 4
        text = ascii_fold(description, room)
        if text:
            account += _tlv("02", text)
    merchant_name, merchant_city = ascii_fold(name, 25), ascii_fold(city, 15)
    if not merchant_name or not merchant_city:
        raise ValueError("merchant name and city are required")
    parts = [_tlv("00", "01"), _tlv("26", account), _tlv("52", "0000"), _tlv("53", "986")]
    if amount is not None:
        if amount <= 0:
            raise ValueError("a PIX amount must be positive")
        text = f"{amount.quantize(Decimal('0.01'))}"
        if len(text) > 13:
            raise ValueError("a PIX amount has at most 13 characters")
        parts.append(_tlv("54", text))
    parts += [_tlv("58", "BR"), _tlv("59", merchant_name), _tlv("60", merchant_city)]
    parts.append(_tlv("62", _tlv("05", txid)))
    payload = "".join(parts) + "6304"
    return payload + crc16(payload)


def _parse_tlv(data: str) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    position = 0
    while position < len(data):
        tag, size = data[position : position + 2], data[position + 2 : position + 4]
        if len(size) < 2 or not tag.isdigit() or not size.isdigit():
            raise ValueError(f"malformed field at position {position}")
        end = position + 4 + int(size)
        if end > len(data):
            raise ValueError(f"field {tag} runs past the end of the code")
        fields.append((tag, data[position + 4 : end]))
        position = end
    return fields


def decode_pix_code(code: str) -> PixFields:
    """Fields of a BR Code by id; templates (26–51, 62, 80–99) as nested dicts.

    Raises ``ValueError`` when the code is malformed or its CRC does not match.
    """
    code = code.strip()
    if len(code) < 8 or code[-8:-4] != "6304":
        raise ValueError("the code does not end with a CRC field (6304)")
    expected = crc16(code[:-4])
    if code[-4:].upper() != expected:
        raise ValueError(f"bad CRC: the code says {code[-4:]}, its content gives {expected}")
    fields: PixFields = {}
    for tag, value in _parse_tlv(code):
        fields[tag] = dict(_parse_tlv(value)) if tag in _TEMPLATES else value
    if fields.get("00") != "01":
        raise ValueError("not a BR Code: the payload format indicator is not 01")
    return fields


def pix_qr_png(code: str, *, scale: int = 6) -> bytes:
    """The code as a QR image, PNG bytes built in memory."""
    import segno

    buffer = io.BytesIO()
    segno.make(code, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
