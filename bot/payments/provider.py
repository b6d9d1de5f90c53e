"""``PixChargeProvider``: the ``PaymentProvider`` whose PIX codes are charges at a PSP."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.core.enums import EventKind
from bot.core.money import money
from bot.offers.book import OfferBook
from bot.offers.payments import ConfiguredPaymentProvider, PaymentInstructions
from bot.payments.charges import ChargePolicy, issue_charge
from bot.payments.pix_api import Fees, PixApi, PixApiError, build_pix_api
from bot.store.ledger import EventLog
from bot.store.tables import Debtor

log = logging.getLogger(__name__)


@runtime_checkable
class ChargingPaymentProvider(Protocol):
    """A provider that needs the turn's session: its codes are stored charges."""

    def issue(
        self,
        session: Session,
        *,
        debtor: Debtor,
        amount: Decimal,
        reference: str,
        methods: Sequence[str],
        now: datetime,
        debt_refs: Sequence[str] = (),
    ) -> PaymentInstructions: ...


@dataclass
class PixChargeProvider:
    """Dynamic PIX codes, one charge per payment; links as configured. When the PSP cannot
    be reached the debtor still gets the static code, and the event log says so."""

    api: PixApi
    policy: ChargePolicy
    static: ConfiguredPaymentProvider
    last_sync: datetime | None = field(default=None)

    def instructions(
        self,
        *,
        amount: Decimal,
        reference: str,
        debtor_name: str,
        methods: Sequence[str],
    ) -> PaymentInstructions:
        """Without a session (no debtor on file): the static code."""
        return self.static.instructions(
            amount=amount, reference=reference, debtor_name=debtor_name, methods=methods
        )

    def issue(
        self,
        session: Session,
        *,
        debtor: Debtor,
        amount: Decimal,
        reference: str,
        methods: Sequence[str],
        now: datetime,
        debt_refs: Sequence[str] = (),
    ) -> PaymentInstructions:
        value = money(amount)
        base = self.static.instructions(
            amount=value,
            reference=reference,
            debtor_name=debtor.name,
            methods=[m for m in methods if m != "pix"],
        )
        if "pix" not in methods:
            return base
        try:
            with session.begin_nested():  # a failed charge leaves no half-written row
                row = issue_charge(
                    session,
                    self.api,
                    self.policy,
                    debtor=debtor,
                    amount=value,
                    reference=reference,
                    now=now,
                    debt_refs=tuple(debt_refs),
                )
        except PixApiError as exc:
            log.warning("pix charge failed, sending the static code", extra={"error": str(exc)})
            EventLog(session).append(
                EventKind.PIX_CHARGE_FAILED,
                at=now,
                actor="system",
                debtor_id=debtor.id,
                data={"amount": str(value), "error": str(exc)[:200]},
            )
            return self.instructions(
                amount=value, reference=reference, debtor_name=debtor.name, methods=methods
            )
        return PaymentInstructions(
            amount=value,
            reference=reference,
            pix_code=row.br_code,
            link=base.link,
            txid=row.txid,
            # "qual a chave pix?": the charge is paid by its code; the key, told too, is the
            # other way (a Pix typed to it is checked from the receipt)
            pix_key=self.static.pix_key,
        )


def static_provider(settings: Settings) -> ConfiguredPaymentProvider:
    pay = settings.payments
    return ConfiguredPaymentProvider(
        pix_key=pay.pix_key,
        merchant_name=pay.merchant_name,
        merchant_city=pay.merchant_city,
        link_template=pay.link_template,
        boleto_enabled=pay.boleto_enabled,
    )


def charge_policy(settings: Settings, book: OfferBook) -> ChargePolicy:
    """Fine and interest come from the offer book, as they do for the balance we quote."""
    pay = settings.payments
    return ChargePolicy(
        key=pay.pix_key,
        merchant_name=pay.merchant_name,
        merchant_city=pay.merchant_city,
        business_id=settings.business.cnpj,
        timezone=settings.business.timezone,
        fees=Fees(
            fine_percent=Decimal(str(book.charges.late_fee_percent)),
            monthly_interest_percent=Decimal(str(book.charges.monthly_interest_percent)),
        ),
        expiry_hours=pay.charge_expiry_hours,
        validity_after_due_days=pay.validity_after_due_days,
    )


def build_payment_provider(
    settings: Settings, book: OfferBook, *, api: PixApi | None = None
) -> ConfiguredPaymentProvider | PixChargeProvider:
    """``payments.provider``: static codes, or PSP charges. A PSP without its settings stops
    start-up: silently sending static codes would leave every payment unconfirmed."""
    static = static_provider(settings)
    if settings.payments.provider == "static":
        return static
    if api is None:
        missing = [
            name
            for name, value in (
                ("PIX_API_BASE_URL", settings.pix_api_base_url),
                ("PIX_CLIENT_ID", settings.pix_client_id),
                ("PIX_CLIENT_SECRET", settings.pix_client_secret),
            )
            if not value
        ]
        if missing:
            raise ValueError(f"payments.provider is bacen_pix but {', '.join(missing)} unset")
        api = build_pix_api(
            base_url=settings.pix_api_base_url or "",
            client_id=settings.pix_client_id or "",
            client_secret=settings.pix_client_secret or "",
            cert_file=settings.pix_cert_file,
            key_file=settings.pix_key_file,
            token_path=settings.payments.token_path,
        )
    return PixChargeProvider(api=api, policy=charge_policy(settings, book), static=static)
