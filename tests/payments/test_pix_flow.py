"""Agreement in chat -> PSP charge -> webhook -> verified -> thanked, reminders stopped."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select

from bot.conversation.reminders import reminder_for_now
from bot.core.domain import InboundMessage
from bot.payments.service import sync_pix
from bot.store.portfolio import DebtorRecord, DebtRecord, PortfolioRepository
from bot.store.tables import (
    AgreementInstallment,
    Debt,
    Event,
    Payment,
    PixCharge,
    PixReceived,
)
from bot.web.app import build_app
from tests.payments.conftest import NOW, WEBHOOK_SECRET, PixStack

PHONE = "+5511990000151"


def add_debtor(stack: PixStack, amount: str = "450.00") -> int:
    def work(session: Any) -> int:
        repo = PortfolioRepository(session)
        debtor, _ = repo.upsert_debtor(
            DebtorRecord(ref="D-51", name="Bruno Alves", phone=PHONE, document="123.456.789-09"),
            NOW,
        )
        repo.upsert_debt(
            debtor,
            DebtRecord(
                ref="C-51", description="Sofá", amount=Decimal(amount), due=date(2026, 11, 12)
            ),
            NOW,
        )
        return debtor.id

    return stack.runtime.in_transaction(work)


def add_blender(stack: PixStack) -> None:
    """A second, newer purchase of debtor D-51: the blender, R$ 180,00 due 18/11."""

    def work(session: Any) -> None:
        repo = PortfolioRepository(session)
        debtor = repo.debtor_by_ref("D-51")
        assert debtor is not None
        repo.upsert_debt(
            debtor,
            DebtRecord(
                ref="C-52",
                description="Liquidificador",
                amount=Decimal("180.00"),
                due=date(2026, 11, 18),
            ),
            NOW,
        )

    stack.runtime.in_transaction(work)


async def say(stack: PixStack, text: str) -> None:
    await stack.runtime.inbound.receive(
        InboundMessage(
            channel="whatsapp",
            address=PHONE,
            provider_id=uuid.uuid4().hex,
            text=text,
            received_at=stack.clock.now(),
        )
    )
    await stack.runtime.drain_outbox()


async def agree_in_three(stack: PixStack) -> PixCharge:
    await say(stack, "to desempregado, não tenho como pagar")
    await say(stack, "dá pra fazer em 3x?")
    await say(stack, "sim")
    charges = stack.runtime.in_transaction(
        lambda s: [(c, s.expunge(c)) for c in s.scalars(select(PixCharge))]
    )
    assert len(charges) == 1
    return charges[0][0]


async def post(stack: PixStack, body: Any, *, path: str | None = None) -> httpx.Response:
    app = build_app(stack.runtime.settings, stack.runtime, background=False)
    url = path or f"/webhooks/pix/{WEBHOOK_SECRET}/pix"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post(url, json=body)
    await stack.runtime.drain_outbox()
    return response


def count(stack: PixStack, model: Any) -> int:
    return int(stack.runtime.in_transaction(lambda s: s.scalar(select(func.count(model.id)))))


async def test_agreement_charge_has_amount_due_date_fine_and_interest(stack: PixStack) -> None:
    add_debtor(stack)
    charge = await agree_in_three(stack)
    assert charge.kind == "cobv"
    assert charge.amount == Decimal("150.00")
    assert charge.due == date(2026, 11, 26)
    assert charge.purpose == "installment"
    assert (charge.fine_percent, charge.interest_percent) == ("2.0", "1.0")
    sent = stack.psp.charges[charge.txid]
    assert sent["valor"]["original"] == "150.00"
    assert sent["valor"]["multa"]["valorPerc"] == "2.00"
    assert sent["valor"]["juros"]["valorPerc"] == "1.00"
    assert sent["calendario"]["dataDeVencimento"] == "2026-11-26"
    assert any(charge.br_code in m.text for m in stack.channel.sent)


async def test_webhook_verified_thanks_and_stops_the_installment_reminder(
    stack: PixStack,
) -> None:
    add_debtor(stack)
    charge = await agree_in_three(stack)
    before = len(stack.channel.sent)
    e2eid = stack.psp.pay(charge.txid, None, NOW + timedelta(minutes=5))
    response = await post(stack, stack.psp.notification(stack.psp.received[e2eid]))
    assert response.status_code == 200
    assert response.json() == {"counted": {"paid": 1}, "rejected": 0}
    thanks = [m.text for m in stack.channel.sent[before:]]
    assert len(thanks) == 1
    assert "R$ 150,00" in thanks[0]
    assert "R$ 300,00" in thanks[0]  # what is left
    paid = stack.runtime.in_transaction(
        lambda s: s.scalar(
            select(AgreementInstallment.status).where(AgreementInstallment.number == 1)
        )
    )
    assert paid == "paid"
    kinds = stack.runtime.in_transaction(lambda s: list(s.scalars(select(Event.kind))))
    assert "pix_received" in kinds
    assert "payment_received" in kinds
    # the same notification again counts nothing and thanks nobody
    again = await post(stack, stack.psp.notification(stack.psp.received[e2eid]))
    assert again.json()["counted"] == {"duplicate": 1}
    assert len(stack.channel.sent) == before + 1
    assert count(stack, Payment) == 1


async def test_forged_or_unconfirmed_webhooks_change_nothing(stack: PixStack) -> None:
    add_debtor(stack)
    charge = await agree_in_three(stack)
    before = len(stack.channel.sent)
    forged = {
        "pix": [
            {
                "endToEndId": "E" + "1" * 31,
                "txid": charge.txid,
                "valor": "150.00",
                "horario": NOW.isoformat(),
            }
        ]
    }
    no_token = await post(stack, forged, path="/webhooks/pix")
    wrong_token = await post(stack, forged, path="/webhooks/pix/guess/pix")
    unconfirmed = await post(stack, forged)  # right token, but the PSP never saw this Pix
    assert (no_token.status_code, wrong_token.status_code) == (403, 403)
    assert unconfirmed.status_code == 200
    assert unconfirmed.json() == {"counted": {}, "rejected": 1}
    assert count(stack, Payment) == 0
    assert count(stack, PixReceived) == 0
    assert len(stack.channel.sent) == before


async def test_psp_down_during_verification_asks_for_the_webhook_again(stack: PixStack) -> None:
    add_debtor(stack)
    charge = await agree_in_three(stack)
    e2eid = stack.psp.pay(charge.txid, None, NOW)
    stack.psp.fail_next("500", "500", "500", "500")
    body = stack.psp.notification(stack.psp.received[e2eid])
    assert (await post(stack, body)).status_code == 503
    assert count(stack, Payment) == 0
    assert (await post(stack, body)).json()["counted"] == {"paid": 1}


async def test_a_lost_webhook_is_found_by_the_sync(stack: PixStack) -> None:
    add_debtor(stack, amount="300.00")
    await say(stack, "me manda o pix")
    before = len(stack.channel.sent)
    charge_txid = stack.runtime.in_transaction(lambda s: s.scalar(select(PixCharge.txid)))
    stack.psp.pay(charge_txid, None, NOW + timedelta(minutes=3))
    report = sync_pix(stack.runtime, NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    await stack.runtime.drain_outbox()
    assert report.as_dict()["counted"] == {"paid": 1}
    assert len(stack.channel.sent) == before + 1
    statuses = stack.runtime.in_transaction(lambda s: list(s.scalars(select(Debt.status))))
    assert statuses == ["paid"]
    assert (
        stack.runtime.in_transaction(
            lambda s: reminder_for_now(s, 1, NOW + timedelta(days=3), stack.runtime.settings)
        )
        is None
    )
    again = sync_pix(stack.runtime, NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    assert again.as_dict()["counted"] == {"duplicate": 1}


async def test_an_overpayment_is_recorded_and_flagged(stack: PixStack) -> None:
    add_debtor(stack)
    charge = await agree_in_three(stack)
    e2eid = stack.psp.pay(charge.txid, Decimal("200.00"), NOW)
    response = await post(stack, stack.psp.notification(stack.psp.received[e2eid]))
    assert response.json()["counted"] == {"overpaid": 1}
    row = stack.runtime.in_transaction(
        lambda s: (lambda r: (r.amount, r.credited, r.review))(s.scalar(select(PixReceived)))
    )
    assert row == (Decimal("200.00"), Decimal("150.00"), "overpaid")
    flagged = stack.runtime.in_transaction(
        lambda s: s.scalar(select(Event.data).where(Event.kind == "payment_needs_review"))
    )
    assert flagged["excess"] == "50.00"


async def test_a_late_pix_with_fine_and_interest_is_not_an_overpayment(stack: PixStack) -> None:
    add_debtor(stack)
    charge = await agree_in_three(stack)
    # ten days after 26/11: 150 + 2 % fine (3.00) + 1 % a month for 10 days (0.50)
    e2eid = stack.psp.pay(charge.txid, Decimal("153.50"), NOW + timedelta(days=13))
    response = await post(stack, stack.psp.notification(stack.psp.received[e2eid]))
    assert response.json()["counted"] == {"late": 1}


async def test_paying_at_the_counter_cancels_the_open_charge(stack: PixStack) -> None:
    add_debtor(stack, amount="300.00")
    await say(stack, "me manda o pix")
    txid = stack.runtime.in_transaction(lambda s: s.scalar(select(PixCharge.txid)))
    await stack.runtime.outreach.confirm_payment("C-51", Decimal("300.00"), NOW, source="counter")
    assert stack.psp.charges[txid]["status"] == "REMOVIDA_PELO_USUARIO_RECEBEDOR"
    status = stack.runtime.in_transaction(lambda s: s.scalar(select(PixCharge.status)))
    assert status == "cancelled"


async def test_asking_again_reuses_the_charge_and_a_new_plan_replaces_it(stack: PixStack) -> None:
    add_debtor(stack, amount="300.00")
    await say(stack, "me manda o pix")
    await say(stack, "me manda o pix de novo")
    assert len(stack.psp.charges) == 1
    await say(stack, "pago 100 na sexta")
    await say(stack, "me manda o pix")
    rows = stack.runtime.in_transaction(
        lambda s: [(c.purpose, c.status, c.amount) for c in s.scalars(select(PixCharge))]
    )
    assert rows[0][1] == "cancelled"
    assert rows[-1] == ("promise", "active", Decimal("100.00"))


async def test_a_devolucao_is_recorded_and_the_debt_reopens(stack: PixStack) -> None:
    add_debtor(stack, amount="300.00")
    await say(stack, "me manda o pix")
    txid = stack.runtime.in_transaction(lambda s: s.scalar(select(PixCharge.txid)))
    e2eid = stack.psp.pay(txid, None, NOW)
    await post(stack, stack.psp.notification(stack.psp.received[e2eid]))
    stack.psp.refund(e2eid, Decimal("307.10"), NOW + timedelta(hours=1))
    response = await post(stack, stack.psp.notification(stack.psp.received[e2eid]))
    assert response.json()["counted"] == {"refunded": 1}
    debt = stack.runtime.in_transaction(
        lambda s: (lambda d: (d.status, d.paid))(s.scalar(select(Debt)))
    )
    assert debt == ("open", Decimal("0.00"))


async def test_a_reminder_held_for_the_morning_is_dropped_after_a_payment(
    stack: PixStack,
) -> None:
    debtor_id = add_debtor(stack, amount="300.00")
    stack.clock.set(NOW.replace(hour=22))  # outside contact hours: the reminder waits
    assert stack.runtime.outreach.remind_sync(debtor_id, "overdue", "night", {})
    await stack.runtime.drain_outbox()
    assert stack.channel.sent == []
    await stack.runtime.outreach.confirm_payment("C-51", Decimal("300.00"), stack.clock.now())
    stack.clock.set(NOW + timedelta(days=1))
    await stack.runtime.drain_outbox()
    texts = [m.text for m in stack.channel.sent]
    assert len(texts) == 1
    assert "R$ 300,00" in texts[0]  # the thank-you, not the reminder


async def test_a_devolucao_of_an_installment_reopens_it(stack: PixStack) -> None:
    add_debtor(stack)
    charge = await agree_in_three(stack)
    e2eid = stack.psp.pay(charge.txid, None, NOW + timedelta(minutes=5))
    await post(stack, stack.psp.notification(stack.psp.received[e2eid]))

    def first_installment(session: Any) -> tuple[str, Decimal]:
        row = session.scalar(select(AgreementInstallment).where(AgreementInstallment.number == 1))
        return row.status, row.paid_amount

    assert stack.runtime.in_transaction(first_installment) == ("paid", Decimal("150.00"))
    stack.psp.refund(e2eid, Decimal("150.00"), NOW + timedelta(hours=1))
    response = await post(stack, stack.psp.notification(stack.psp.received[e2eid]))
    assert response.json()["counted"] == {"refunded": 1}
    assert stack.runtime.in_transaction(first_installment) == ("open", Decimal("0.00"))
    net = stack.runtime.in_transaction(
        lambda s: s.scalar(
            select(func.sum(Payment.amount)).where(Payment.agreement_id.is_not(None))
        )
    )
    assert net == Decimal("0.00")
    reopened = stack.runtime.in_transaction(
        lambda s: s.scalar(select(Event.data).where(Event.kind == "installment_reopened"))
    )
    assert reopened["numbers"] == [1]
    # its reminder is due again: the cadence sees an open installment on its due date
    assert stack.runtime.in_transaction(lambda s: s.scalar(select(Debt.status))) == "in_agreement"


async def test_a_pix_for_one_of_two_purchases_pays_that_one(stack: PixStack) -> None:
    """ "quero pagar só o liquidificador": the charge is for the blender (with its own fine
    and interest), asking again sends the same code, and the Pix pays the blender even
    though the sofa is older; the sofa stays as it was."""
    add_debtor(stack, amount="900.00")  # the sofa, due 12/11
    add_blender(stack)
    await say(stack, "quero pagar so o liquidificador")
    await say(stack, "manda o pix dele")
    charges = stack.runtime.in_transaction(
        lambda s: [
            (c.txid, c.purpose, c.debt_refs, c.amount) for c in s.scalars(select(PixCharge))
        ]
    )
    assert len(charges) == 1  # asked twice, one charge
    txid, purpose, refs, amount = charges[0]
    assert (purpose, refs) == ("debts", ["C-52"])
    assert Decimal("180.00") < amount < Decimal("200.00")  # the blender with its charges
    codes = [m.text for m in stack.channel.sent if "br.gov.bcb.pix" in m.text]
    assert len(codes) == 2
    e2eid = stack.psp.pay(txid, None, NOW + timedelta(minutes=5))
    response = await post(stack, stack.psp.notification(stack.psp.received[e2eid]))
    assert response.json()["counted"] == {"paid": 1}
    debts = stack.runtime.in_transaction(
        lambda s: {d.ref: (d.status, d.paid) for d in s.scalars(select(Debt))}
    )
    assert debts["C-52"] == ("paid", Decimal("180.00"))
    assert debts["C-51"] == ("open", Decimal("0.00"))
