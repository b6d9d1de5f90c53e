"""Quita's Bacen API Pix client against the stand-in PSP over real HTTP (uvicorn, 127.0.0.1):
token, cob/cobv, pix, webhook registration, with 500, 429 and a timeout along the way."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import httpx

from bot.payments.pix_api import BacenPixApi, ChargeRequest, Fees
from bot.payments.standin import StandInPsp
from tests.payments.http_standin import serve

PORT = 18170
NOW = datetime.fromisoformat("2026-11-23T10:00:00-03:00")
TXID = "QT" + "a1b2c3d4e5" * 3  # 32 alphanumerics


def test_the_client_speaks_http_to_the_stand_in_through_failures() -> None:
    psp = StandInPsp(prefix="/api/v2")
    waits: list[float] = []
    with serve(psp, PORT) as base_url:
        client = httpx.Client(base_url=base_url, timeout=httpx.Timeout(0.3, connect=2.0))
        api = BacenPixApi(
            client, client_id=psp.client_id, client_secret=psp.client_secret, sleep=waits.append
        )
        psp.fail_next("500")  # the token request fails once, then succeeds
        charge = api.create_charge(
            ChargeRequest(
                txid=TXID,
                amount=Decimal("150.00"),
                key="pagamentos@lojaexemplo.com.br",
                payer_name="Bruno Alves",
                payer_document="123.456.789-09",
                due=date(2026, 11, 26),
                fees=Fees(Decimal("2.0"), Decimal("1.0")),
            )
        )
        assert (charge.txid, charge.kind, charge.status) == (TXID, "cobv", "ATIVA")
        assert charge.amount == Decimal("150.00")
        assert psp.charges[TXID]["valor"]["multa"]["valorPerc"] == "2.00"
        # the answer was lost after the PSP created it: the retry gets the same charge
        again = api.create_charge(
            ChargeRequest(
                txid=TXID,
                amount=Decimal("150.00"),
                key="k",
                payer_name="B",
                due=date(2026, 11, 26),
            )
        )
        assert again.location == charge.location

        e2eid = psp.pay(TXID, None, NOW)
        psp.fail_next("429", "timeout")  # rate limited, then a request that never answers
        pix = api.get_pix(e2eid)
        assert pix is not None
        assert (pix.txid, pix.amount, pix.at) == (TXID, Decimal("150.00"), NOW)
        listed = list(api.list_pix(NOW - timedelta(hours=1), NOW + timedelta(hours=1)))
        assert [p.end_to_end_id for p in listed] == [e2eid]
        assert api.get_pix("E" + "0" * 31) is None

        api.register_webhook("pagamentos@lojaexemplo.com.br", "https://quita.test/webhooks/pix/s")
        assert psp.webhooks == {
            "pagamentos@lojaexemplo.com.br": "https://quita.test/webhooks/pix/s"
        }
        api.cancel_charge(TXID, "cobv")
        assert psp.charges[TXID]["status"] == "REMOVIDA_PELO_USUARIO_RECEBEDOR"
        client.close()
    # 500 once, 429 (Retry-After: 1) once, one timeout: three backoffs, none slept for real
    assert waits == [0.5, 1.0, 1.0]
    assert ("POST", "/oauth/token") in psp.requests
    assert psp.requests.count(("GET", f"/pix/{e2eid}")) == 3  # 429, timeout, answered
