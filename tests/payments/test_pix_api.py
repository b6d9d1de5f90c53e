"""The httpx adapter of the Bacen API Pix against the stand-in PSP."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from bot.payments.pix_api import BacenPixApi, ChargeRequest, Fees, PixApiError
from bot.payments.standin import StandInPsp
from tests.payments.conftest import stand_in_api

AT = datetime.fromisoformat("2026-11-23T10:00:00-03:00")
TXID = "QT" + "a1" * 15


def cobv_request(txid: str = TXID) -> ChargeRequest:
    return ChargeRequest(
        txid=txid,
        amount=Decimal("150.00"),
        key="pagamentos@loja.com.br",
        payer_name="Bruno Alves",
        payer_document="123.456.789-09",
        due=date(2026, 11, 26),
        validity_after_due_days=30,
        fees=Fees(fine_percent=Decimal("2"), monthly_interest_percent=Decimal("1")),
    )


def test_a_cobv_carries_due_date_fine_and_interest() -> None:
    psp = StandInPsp()
    charge = stand_in_api(psp).create_charge(cobv_request())
    body = psp.charges[TXID]
    assert charge.kind == "cobv"
    assert charge.status == "ATIVA"
    assert body["calendario"] == {"dataDeVencimento": "2026-11-26", "validadeAposVencimento": 30}
    assert body["valor"] == {
        "original": "150.00",
        "multa": {"modalidade": "2", "valorPerc": "2.00"},
        "juros": {"modalidade": "3", "valorPerc": "1.00"},
    }
    assert body["devedor"] == {"cpf": "12345678909", "nome": "Bruno Alves"}
    assert charge.location.startswith("psp.example.test/qr/v2/cobv/")
    assert re.fullmatch(r"[A-Za-z0-9]{26,35}", TXID)


def test_an_immediate_charge_has_an_expiry() -> None:
    psp = StandInPsp()
    request = ChargeRequest(
        txid=TXID, amount=Decimal("307.10"), key="k", payer_name="X", expires_in_seconds=7200
    )
    charge = stand_in_api(psp).create_charge(request)
    assert charge.kind == "cob"
    assert psp.charges[TXID]["calendario"] == {"expiracao": 7200}


def test_transient_failures_are_retried_with_backoff() -> None:
    psp = StandInPsp()
    sleeps: list[float] = []
    api = stand_in_api(psp, sleeps)
    psp.fail_next("500", "429", "timeout")
    charge = api.create_charge(cobv_request())
    assert charge.txid == TXID
    assert len(sleeps) == 3
    assert sleeps[1] >= 1.0  # the 429's Retry-After is honoured


def test_giving_up_after_the_retries_raises() -> None:
    psp = StandInPsp()
    api = stand_in_api(psp)
    psp.fail_next("503", "503", "503", "503")
    with pytest.raises(PixApiError, match="after retries"):
        api.create_charge(cobv_request())
    assert psp.charges == {}


def test_creating_the_same_txid_again_returns_the_existing_charge() -> None:
    psp = StandInPsp()
    api = stand_in_api(psp)
    first = api.create_charge(cobv_request())
    again = api.create_charge(cobv_request())  # e.g. our retry after a lost answer
    assert again == first
    assert len(psp.charges) == 1


def test_wrong_credentials_are_refused() -> None:
    psp = StandInPsp()
    client = httpx.Client(base_url="https://psp.test", transport=httpx.MockTransport(psp.handle))
    api = BacenPixApi(client, client_id="quita", client_secret="wrong", sleep=lambda _s: None)
    with pytest.raises(PixApiError, match="credentials"):
        api.create_charge(cobv_request())


def test_received_pix_is_listed_page_by_page_and_fetched_by_e2eid() -> None:
    psp = StandInPsp()
    api = stand_in_api(psp)
    api.create_charge(cobv_request())
    ids = [psp.pay(TXID, Decimal("1.00"), AT + timedelta(minutes=n)) for n in range(150)]
    listed = list(api.list_pix(AT - timedelta(hours=1), AT + timedelta(hours=3)))
    assert sorted(p.end_to_end_id for p in listed) == sorted(ids)
    pages = [q for q in psp.requests if q == ("GET", "/pix")]
    assert len(pages) == 2
    one = api.get_pix(ids[0])
    assert one is not None
    assert one.amount == Decimal("1.00")
    assert one.txid == TXID
    assert api.get_pix("E" + "0" * 31) is None


def test_cancel_and_webhook_registration() -> None:
    psp = StandInPsp()
    api = stand_in_api(psp)
    api.create_charge(cobv_request())
    api.cancel_charge(TXID, "cobv")
    assert psp.charges[TXID]["status"] == "REMOVIDA_PELO_USUARIO_RECEBEDOR"
    api.register_webhook("pagamentos@loja.com.br", "https://loja.test/webhooks/pix/s3")
    assert psp.webhooks == {"pagamentos@loja.com.br": "https://loja.test/webhooks/pix/s3"}
