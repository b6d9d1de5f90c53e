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
from bot.store.tables import PixCharge


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
