"""A stand-in PSP speaking the Bacen API Pix, in process, for tests and conversation scripts.

It keeps charges and received Pix in memory, answers like a PSP (OAuth token, cob/cobv,
pix, webhook registration) and can be told to fail: the next N requests answer 500, 429 or
time out. ``pay`` makes a payer pay a charge; ``notification`` is the webhook body the PSP
would post. Plug it into ``httpx.MockTransport(standin.handle)``.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import httpx

TXID = re.compile(r"^[A-Za-z0-9]{26,35}$")


@dataclass
class StandInPsp:
    client_id: str = "quita"
    client_secret: str = "s3cret"
    host: str = "psp.example.test"
    prefix: str = ""  # the API's base path at this PSP, e.g. /api/v2
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: dict[str, dict[str, Any]] = field(default_factory=dict)
    webhooks: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # "500" | "429" | "timeout", in order
    requests: list[tuple[str, str]] = field(default_factory=list)
    _tokens: set[str] = field(default_factory=set)

    # --- what a test does ---------------------------------------------------------------

    def fail_next(self, *kinds: str) -> None:
        self.failures.extend(kinds)

    def pay(self, txid: str, amount: Decimal | None, at: datetime) -> str:
        """A payer pays charge ``txid`` (its amount when ``amount`` is None); the e2eid."""
        charge = self.charges[txid]
        value = amount if amount is not None else Decimal(charge["valor"]["original"])
        e2eid = "E" + secrets.token_hex(15)[:31].upper()
        self.received[e2eid] = {
            "endToEndId": e2eid,
            "txid": txid,
            "valor": f"{value:.2f}",
            "chave": charge["chave"],
            "horario": at.isoformat(),
            "infoPagador": "pagamento",
            "devolucoes": [],
        }
        charge["status"] = "CONCLUIDA"
        charge.setdefault("pix", []).append(self.received[e2eid])
        return e2eid

    def pay_key(self, key: str, amount: Decimal, at: datetime) -> str:
        """A payer sends a Pix straight to the receiver's key: no charge, no txid (what a
        receipt has to be matched with). Returns the e2eid."""
        e2eid = "E" + secrets.token_hex(16)[:31].upper()
        self.received[e2eid] = {
            "endToEndId": e2eid,
            "valor": f"{amount:.2f}",
            "chave": key,
            "horario": at.isoformat(),
            "devolucoes": [],
        }
        return e2eid

    def refund(self, e2eid: str, amount: Decimal, at: datetime) -> None:
        pix = self.received[e2eid]
        number = len(pix["devolucoes"]) + 1
        pix["devolucoes"].append(
            {
                "id": f"D{number}{e2eid[1:12]}",
                "rtrId": f"D{e2eid[1:]}{number}"[:32],
                "valor": f"{amount:.2f}",
                "horario": {"solicitacao": at.isoformat(), "liquidacao": at.isoformat()},
                "status": "DEVOLVIDO",
            }
        )

    @staticmethod
    def notification(*pix: dict[str, Any]) -> dict[str, Any]:
        return {"pix": list(pix)}

    # --- the API ------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = unquote(request.url.path).removeprefix(self.prefix)
        self.requests.append((request.method, path))
        if self.failures:
            kind = self.failures.pop(0)
            if kind == "timeout":
                raise httpx.ReadTimeout("stand-in timeout", request=request)
            headers = {"Retry-After": "1"} if kind == "429" else {}
            return httpx.Response(int(kind), json={"title": "try later"}, headers=headers)
        if path == "/oauth/token" and request.method == "POST":
            return self._token(request)
        auth = request.headers.get("Authorization", "")
        if auth.removeprefix("Bearer ") not in self._tokens:
            return httpx.Response(401, json={"title": "Não autorizado"})
        parts = [p for p in path.split("/") if p]
        body = json.loads(request.content) if request.content else {}
        if parts[0] in ("cob", "cobv") and len(parts) == 2:
            return self._charge(request.method, parts[0], parts[1], body)
        if parts[0] == "pix" and len(parts) == 2 and request.method == "GET":
            found = self.received.get(parts[1])
            return httpx.Response(200, json=found) if found else _not_found()
        if parts == ["pix"] and request.method == "GET":
            return self._list(request)
        if parts[0] == "webhook" and len(parts) == 2 and request.method == "PUT":
            self.webhooks[parts[1]] = str(body["webhookUrl"])
            return httpx.Response(204)
        return _not_found()

    def _token(self, request: httpx.Request) -> httpx.Response:
        expected = httpx.BasicAuth(self.client_id, self.client_secret)
        probe = next(expected.auth_flow(httpx.Request("POST", "http://x")))
        if request.headers.get("Authorization") != probe.headers["Authorization"]:
            return httpx.Response(401, json={"error": "invalid_client"})
        token = secrets.token_hex(16)
        self._tokens.add(token)
        return httpx.Response(
            200, json={"access_token": token, "token_type": "Bearer", "expires_in": 3600}
        )

    def _charge(self, method: str, kind: str, txid: str, body: dict[str, Any]) -> httpx.Response:
        if not TXID.match(txid):
            return httpx.Response(400, json={"title": "txid inválido"})
        current = self.charges.get(txid)
        if method == "GET":
            return httpx.Response(200, json=current) if current else _not_found()
        if method == "PATCH":
            if current is None:
                return _not_found()
            current["status"] = body.get("status", current["status"])
            return httpx.Response(200, json=current)
        if method != "PUT":
            return httpx.Response(405)
        if current is not None:
            return httpx.Response(409, json={"title": "Cobrança já existe"})
        if kind == "cobv" and "dataDeVencimento" not in body.get("calendario", {}):
            return httpx.Response(400, json={"title": "dataDeVencimento é obrigatório"})
        location = f"{self.host}/qr/v2/{kind}/{secrets.token_hex(16)}"
        charge = {
            **body,
            "txid": txid,
            "revisao": 0,
            "status": "ATIVA",
            "loc": {"id": len(self.charges) + 1, "location": location, "tipoCob": kind},
            "location": location,
        }
        self.charges[txid] = charge
        return httpx.Response(201, json=charge)

    def _list(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        start = datetime.fromisoformat(params["inicio"])
        end = datetime.fromisoformat(params["fim"])
        page = int(params.get("paginacao.paginaAtual", "0"))
        size = int(params.get("paginacao.itensPorPagina", "100"))
        items = [
            p
            for p in self.received.values()
            if start <= datetime.fromisoformat(p["horario"]) <= end
        ]
        pages = max(1, -(-len(items) // size))
        return httpx.Response(
            200,
            json={
                "parametros": {
                    "inicio": params["inicio"],
                    "fim": params["fim"],
                    "paginacao": {
                        "paginaAtual": page,
                        "itensPorPagina": size,
                        "quantidadeDePaginas": pages,
                        "quantidadeTotalDeItens": len(items),
                    },
                },
                "pix": items[page * size : (page + 1) * size],
            },
        )


def _not_found() -> httpx.Response:
    return httpx.Response(404, json={"title": "Não encontrado"})
