"""The stand-in PSP behind conversation scripts that set ``payments.provider: bacen_pix``."""

from __future__ import annotations

from decimal import Decimal

import httpx
from sqlalchemy import select

from bot.config import Settings
from bot.offers.book import OfferBook
from bot.offers.payments import PaymentProvider
from bot.payments.pix_api import BacenPixApi
from bot.payments.provider import build_payment_provider
from bot.payments.service import PaymentsHost, receive_notification
from bot.payments.standin import StandInPsp
from bot.store.tables import PixCharge, Receipt


def scripted_provider(
    settings: Settings, book: OfferBook
) -> tuple[StandInPsp | None, PaymentProvider]:
    """The provider a script runs with: the configured one, a stand-in PSP for bacen_pix."""
    if settings.payments.provider != "bacen_pix":
        return None, build_payment_provider(settings, book)
    psp = StandInPsp(prefix="/api/v2")
    client = httpx.Client(
        base_url="https://psp.example.test/api/v2", transport=httpx.MockTransport(psp.handle)
    )
    api = BacenPixApi(
        client, client_id=psp.client_id, client_secret=psp.client_secret, sleep=lambda _s: None
    )
    return psp, build_payment_provider(settings, book, api=api)


async def pay_last_charge(
    runtime: PaymentsHost, psp: StandInPsp | None, amount: Decimal | None, notify: bool
) -> str:
    """The payer pays the newest charge at the stand-in; its webhook goes through the same
    verification as a real one. Returns a transcript line."""
    if psp is None:
        raise ValueError("pix_paid needs settings: {payments: {provider: bacen_pix}}")
    txid = runtime.in_transaction(
        lambda s: s.scalar(select(PixCharge.txid).order_by(PixCharge.id.desc()))
    )
    if txid is None:
        raise ValueError("pix_paid: no PIX charge was sent yet")
    e2eid = psp.pay(txid, amount, runtime.clock.now())
    if not notify:
        return f"pix {e2eid} paid for {txid}; the webhook is lost"
    report = await receive_notification(runtime, psp.notification(psp.received[e2eid]))
    return f"pix {e2eid} paid for {txid}; webhook: {report.as_dict()}"


def pay_to_key(runtime: PaymentsHost, psp: StandInPsp | None, amount: Decimal) -> str:
    """The payer sends a Pix to the receiver's key without a charge (no webhook names a
    debtor for it): only a receipt, or a person, can tell whose it is."""
    if psp is None:
        raise ValueError("pix_paid needs settings: {payments: {provider: bacen_pix}}")
    e2eid = psp.pay_key(runtime.settings.payments.pix_key, amount, runtime.clock.now())
    return f"pix {e2eid} of {amount} paid to the key, no txid"


async def review_last_receipt(runtime: PaymentsHost, action: str, amount: Decimal | None) -> str:
    """A person confirms or rejects the newest receipt under review (the console's action)."""
    from bot.payments.receipts import confirm_receipt, reject_receipt

    receipt_id = runtime.in_transaction(
        lambda s: s.scalar(
            select(Receipt.id).where(Receipt.status == "under_review").order_by(Receipt.id.desc())
        )
    )
    if receipt_id is None:
        raise ValueError("receipt_review: no receipt is under review")
    now = runtime.clock.now()
    if action == "reject":
        runtime.in_transaction(
            lambda s: reject_receipt(s, receipt_id, reason="script", user_id=None, now=now)
        )
        return f"a person rejected receipt {receipt_id}"
    runtime.in_transaction(
        lambda s: confirm_receipt(
            s, receipt_id, amount=amount, paid_at=None, user_id=None, now=now, deps=runtime.deps
        )
    )
    return f"a person confirmed receipt {receipt_id}"
