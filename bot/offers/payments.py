"""How a debtor pays: the ``PaymentProvider`` port and its configuration-driven provider."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol
from urllib.parse import quote

from bot.core.money import money
from bot.offers.pix import build_pix_code, pix_qr_png

METHODS = ("pix", "boleto", "link")


@dataclass(frozen=True)
class PaymentInstructions:
    """What to send the debtor; a method the provider cannot offer is ``None``."""

    amount: Decimal
    reference: str
    pix_code: str | None = None
    boleto_line: str | None = None
    link: str | None = None
    txid: str | None = None  # the PSP charge behind a dynamic PIX code
    # the key itself, for "qual a chave pix? prefiro digitar". A static code: a Pix typed to
    # the key pays it the same. A PSP charge (``txid``) is paid by its code; a Pix typed to
    # the key reaches the store unmatched, so the key is told as the other way, with a receipt
    pix_key: str | None = None

    @property
    def pix_qr_png(self) -> bytes | None:
        """The PIX code as a QR image, drawn when asked: a turn never needs it (the sender
        draws one from the stored code where the channel shows images) and it cost a
        quarter of a turn's CPU."""
        return pix_qr_png(self.pix_code) if self.pix_code else None

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods these instructions actually carry, in ``METHODS`` order."""
        present = {"pix": self.pix_code, "boleto": self.boleto_line, "link": self.link}
        return tuple(name for name in METHODS if present[name])


class PaymentProvider(Protocol):
    """Turns an amount due into payment instructions (PIX, boleto, link)."""

    def instructions(
        self,
        *,
        amount: Decimal,
        reference: str,
        debtor_name: str,
        methods: Sequence[str],
    ) -> PaymentInstructions: ...


def pix_txid(reference: str) -> str:
    """A PIX txid from our reference: letters and digits only, at most 25, else ``***``."""
    cleaned = re.sub(r"[^A-Za-z0-9]", "", reference)[:25]
    return cleaned or "***"


@dataclass(frozen=True)
class ConfiguredPaymentProvider:
    """Static PIX codes for the business's own key and a configured payment-link template.

    ``link_template`` may use ``{reference}`` and ``{amount}`` (e.g.
    ``https://pay.example/{reference}?amount={amount}``). Boleto needs a bank or gateway
    adapter to register the slip: this provider never makes up a boleto line, and refuses
    ``boleto_enabled=True`` so a deployment that expects boletos fails at start-up.
    """

    pix_key: str | None
    merchant_name: str
    merchant_city: str
    link_template: str | None = None
    boleto_enabled: bool = False

    def __post_init__(self) -> None:
        if self.boleto_enabled:
            raise ValueError(
                "boleto needs a gateway adapter; ConfiguredPaymentProvider offers PIX and links"
            )
        if self.link_template is not None:
            try:
                self.link_template.format(reference="R", amount="1.00")
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(
                    f"link_template may only use {{reference}} and {{amount}}: {exc}"
                ) from exc

    def instructions(
        self,
        *,
        amount: Decimal,
        reference: str,
        debtor_name: str,
        methods: Sequence[str],
    ) -> PaymentInstructions:
        """Instructions for ``amount``; ``methods`` picks among pix, boleto and link."""
        value = money(amount)
        if value <= 0:
            raise ValueError("an amount to pay must be positive")
        unknown = set(methods) - set(METHODS)
        if unknown:
            raise ValueError(f"unknown payment methods: {sorted(unknown)}")
        code = link = None
        if "pix" in methods and self.pix_key:
            code = build_pix_code(
                key=self.pix_key,
                name=self.merchant_name,
                city=self.merchant_city,
                amount=value,
                txid=pix_txid(reference),
            )
        if "link" in methods and self.link_template:
            link = self.link_template.format(
                reference=quote(reference, safe=""), amount=f"{value}"
            )
        return PaymentInstructions(
            amount=value,
            reference=reference,
            pix_code=code,
            link=link,
            pix_key=self.pix_key if code else None,
        )
