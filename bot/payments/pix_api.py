"""The Bacen API Pix (``bacen/pix-api``) as a small port and its httpx adapter.

Banks and PSPs implement the same OpenAPI: OAuth2 client credentials over mTLS,
``PUT /cob/{txid}`` and ``PUT /cobv/{txid}`` to create charges, ``GET`` to read them,
``PATCH`` to cancel, ``GET /pix/{e2eid}`` and ``GET /pix?inicio&fim`` for what was received,
``PUT /webhook/{chave}`` to register the notification URL. The client is synchronous on
purpose: it runs inside the worker threads that hold a turn's transaction.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import quote

import httpx

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CANCELLED = "REMOVIDA_PELO_USUARIO_RECEBEDOR"


class PixApiError(Exception):
    """The PSP refused a request or could not be reached after the retries."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Fees:
    """Fine and interest of a charge with a due date, as the offer book sets them."""

    fine_percent: Decimal = Decimal("0")
    monthly_interest_percent: Decimal = Decimal("0")


@dataclass(frozen=True)
class ChargeRequest:
    """A charge to create. ``due`` set: a ``cobv``; else an immediate ``cob``."""

    txid: str
    amount: Decimal
    key: str
    payer_name: str
    payer_document: str | None = None
    due: date | None = None
    validity_after_due_days: int = 30
    expires_in_seconds: int = 86400
    fees: Fees = Fees()
    message: str | None = None


@dataclass(frozen=True)
class Charge:
    """A charge as the PSP holds it."""

    txid: str
    kind: str  # cob | cobv
    status: str  # ATIVA | CONCLUIDA | REMOVIDA_PELO_USUARIO_RECEBEDOR | ...
    amount: Decimal
    location: str
    copy_paste: str | None = None


@dataclass(frozen=True)
class Refund:
    """A devolução of a received Pix."""

    id: str
    amount: Decimal
    status: str  # EM_PROCESSAMENTO | DEVOLVIDO | NAO_REALIZADO


@dataclass(frozen=True)
class ReceivedPix:
    """A Pix the PSP says arrived in the receiver's account."""

    end_to_end_id: str
    txid: str | None
    amount: Decimal
    at: datetime
    payer_info: str | None = None
    refunds: tuple[Refund, ...] = field(default_factory=tuple)

    @property
    def refunded(self) -> Decimal:
        return sum((r.amount for r in self.refunds if r.status == "DEVOLVIDO"), Decimal("0"))


class PixApi(Protocol):
    """What Quita asks of a PSP."""

    def create_charge(self, request: ChargeRequest) -> Charge: ...

    def get_charge(self, txid: str, kind: str) -> Charge | None: ...

    def cancel_charge(self, txid: str, kind: str) -> None: ...

    def get_pix(self, end_to_end_id: str) -> ReceivedPix | None: ...

    def list_pix(self, start: datetime, end: datetime) -> Iterator[ReceivedPix]: ...

    def register_webhook(self, key: str, url: str) -> None: ...


def money_text(value: Decimal) -> str:
    """Amounts as the API wants them: a dot and two decimals (the BR Code's field 54)."""
    return f"{value.quantize(Decimal('0.01'))}"


def charge_body(request: ChargeRequest) -> dict[str, Any]:
    """The JSON body of ``PUT /cob`` or ``PUT /cobv`` for ``request``."""
    body: dict[str, Any] = {
        "chave": request.key,
        "valor": {"original": money_text(request.amount)},
    }
    if request.payer_document:
        digits = "".join(ch for ch in request.payer_document if ch.isdigit())
        kind = "cpf" if len(digits) == 11 else "cnpj"
        body["devedor"] = {kind: digits, "nome": request.payer_name[:200]}
    if request.message:
        body["solicitacaoPagador"] = request.message[:140]
    if request.due is None:
        body["calendario"] = {"expiracao": request.expires_in_seconds}
        return body
    body["calendario"] = {
        "dataDeVencimento": request.due.isoformat(),
        "validadeAposVencimento": request.validity_after_due_days,
    }
    fees = request.fees
    if fees.fine_percent > 0:  # modalidade 2: percent of the original amount
        body["valor"]["multa"] = {"modalidade": "2", "valorPerc": money_text(fees.fine_percent)}
    if fees.monthly_interest_percent > 0:  # modalidade 3: percent a month, calendar days
        body["valor"]["juros"] = {
            "modalidade": "3",
            "valorPerc": money_text(fees.monthly_interest_percent),
        }
    return body


def parse_charge(data: dict[str, Any], kind: str) -> Charge:
    loc = data.get("loc") or {}
    return Charge(
        txid=str(data["txid"]),
        kind=kind,
        status=str(data.get("status", "ATIVA")),
        amount=Decimal(str((data.get("valor") or {}).get("original", "0"))),
        location=str(data.get("location") or loc.get("location") or ""),
        copy_paste=data.get("pixCopiaECola"),
    )


def parse_pix(data: dict[str, Any]) -> ReceivedPix:
    refunds = tuple(
        Refund(
            id=str(item.get("id") or item.get("rtrId") or ""),
            amount=Decimal(str(item.get("valor", "0"))),
            status=str(item.get("status", "")),
        )
        for item in data.get("devolucoes") or []
    )
    at = datetime.fromisoformat(str(data["horario"]).replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise PixApiError("a Pix without a time zone in its horario")
    return ReceivedPix(
        end_to_end_id=str(data["endToEndId"]),
        txid=data.get("txid") or None,
        amount=Decimal(str(data["valor"])),
        at=at,
        payer_info=data.get("infoPagador"),
        refunds=refunds,
    )


class BacenPixApi:
    """``PixApi`` over httpx. ``client`` carries the base URL, mTLS and timeouts; tests
    pass one with a transport. Transient failures (timeouts, 429, 5xx) are retried with
    backoff through ``sleep``, which tests replace."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        client_id: str,
        client_secret: str,
        token_path: str = "/oauth/token",
        max_attempts: int = 4,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_path = token_path
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._sleep = sleep
        self._monotonic = monotonic
        self._token: str | None = None
        self._token_expires = 0.0

    def close(self) -> None:
        self._client.close()

    # --- transport ----------------------------------------------------------------------

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request with retries; the last transient failure becomes ``PixApiError``."""
        problem = ""
        for attempt in range(1, self._max_attempts + 1):
            wait = self._backoff * 2 ** (attempt - 1)
            try:
                response = self._client.request(method, url, **kwargs)
            except httpx.TransportError as exc:  # timeouts and refused connections
                problem = f"{type(exc).__name__}"
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                problem = f"HTTP {response.status_code}"
                retry_after = response.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    wait = max(wait, float(retry_after))
            log.info("pix api retry", extra={"attempt": attempt, "problem": problem})
            if attempt < self._max_attempts:
                self._sleep(wait)
        raise PixApiError(f"{method} {url.split('?')[0]}: {problem} after retries")

    def _access_token(self) -> str:
        if self._token and self._monotonic() < self._token_expires:
            return self._token
        response = self._send(
            "POST",
            self._token_path,
            data={"grant_type": "client_credentials"},
            auth=(self._client_id, self._client_secret),
        )
        if response.status_code != 200:
            raise PixApiError("the PSP refused our credentials", status=response.status_code)
        data = response.json()
        self._token = str(data["access_token"])
        # renew a minute early so a token never expires in flight
        self._token_expires = self._monotonic() + max(0, int(data.get("expires_in", 300)) - 60)
        return self._token

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._access_token()}"}
        response = self._send(method, url, headers=headers, **kwargs)
        if response.status_code == 401:  # revoked early: one fresh token, one more try
            self._token = None
            headers = {"Authorization": f"Bearer {self._access_token()}"}
            response = self._send(method, url, headers=headers, **kwargs)
        return response

    # --- PixApi -------------------------------------------------------------------------

    def create_charge(self, request: ChargeRequest) -> Charge:
        """Create the charge, or return it when an earlier try already did (same txid)."""
        kind = "cobv" if request.due is not None else "cob"
        url = f"/{kind}/{quote(request.txid)}"
        response = self._call("PUT", url, json=charge_body(request))
        if response.status_code in (200, 201):
            return parse_charge(response.json(), kind)
        if response.status_code in (400, 409):
            existing = self.get_charge(request.txid, kind)  # our retry after a lost answer
            if existing is not None and existing.amount == request.amount:
                return existing
        raise PixApiError(f"PUT /{kind}: HTTP {response.status_code}", status=response.status_code)

    def get_charge(self, txid: str, kind: str) -> Charge | None:
        response = self._call("GET", f"/{kind}/{quote(txid)}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise PixApiError(f"GET /{kind}: HTTP {response.status_code}")
        return parse_charge(response.json(), kind)

    def cancel_charge(self, txid: str, kind: str) -> None:
        response = self._call("PATCH", f"/{kind}/{quote(txid)}", json={"status": CANCELLED})
        if response.status_code not in (200, 404):
            raise PixApiError(f"PATCH /{kind}: HTTP {response.status_code}")

    def get_pix(self, end_to_end_id: str) -> ReceivedPix | None:
        response = self._call("GET", f"/pix/{quote(end_to_end_id)}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise PixApiError(f"GET /pix: HTTP {response.status_code}")
        return parse_pix(response.json())

    def list_pix(self, start: datetime, end: datetime) -> Iterator[ReceivedPix]:
        """Every Pix received in [start, end], page by page (``parametros.paginacao``)."""
        page = 0
        while True:
            params = {
                "inicio": start.isoformat(),
                "fim": end.isoformat(),
                "paginacao.paginaAtual": str(page),
                "paginacao.itensPorPagina": "100",
            }
            response = self._call("GET", "/pix", params=params)
            if response.status_code != 200:
                raise PixApiError(f"GET /pix: HTTP {response.status_code}")
            data = response.json()
            for item in data.get("pix") or []:
                yield parse_pix(item)
            paging = (data.get("parametros") or {}).get("paginacao") or {}
            page += 1
            if page >= int(paging.get("quantidadeDePaginas", 1)):
                return

    def register_webhook(self, key: str, url: str) -> None:
        response = self._call("PUT", f"/webhook/{quote(key)}", json={"webhookUrl": url})
        if response.status_code not in (200, 201, 204):
            raise PixApiError(f"PUT /webhook: HTTP {response.status_code}")


def build_pix_api(
    *,
    base_url: str,
    client_id: str,
    client_secret: str,
    cert_file: str | None = None,
    key_file: str | None = None,
    token_path: str = "/oauth/token",
    timeout_seconds: float = 10.0,
    transport: httpx.BaseTransport | None = None,
) -> BacenPixApi:
    """The production client: mTLS with the PSP's client certificate when given."""
    verify: ssl.SSLContext | bool = True
    if cert_file:
        verify = ssl.create_default_context()
        verify.load_cert_chain(cert_file, key_file)
    client = httpx.Client(
        base_url=base_url.rstrip("/"),
        verify=verify,
        timeout=httpx.Timeout(timeout_seconds, connect=5.0),
        transport=transport,
    )
    return BacenPixApi(
        client, client_id=client_id, client_secret=client_secret, token_path=token_path
    )
