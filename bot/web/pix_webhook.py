"""``POST /webhooks/pix``: the PSP tells us a Pix arrived (Bacen API Pix webhook).

The PSP posts to the registered URL with ``/pix`` appended. We register
``QUITA_PUBLIC_URL/webhooks/pix/<PIX_WEBHOOK_SECRET>`` (so it calls
``.../webhooks/pix/<secret>/pix``); a proxy that terminates the PSP's mTLS may instead call
``/webhooks/pix`` with the secret in ``X-Pix-Webhook-Token``. Either way the body is only a
list of ``endToEndId``s to look up: each Pix counts once the PSP confirms it.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bot.payments.pix_api import PixApiError
from bot.payments.service import MalformedNotification, pix_provider, receive_notification

log = logging.getLogger(__name__)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

TOKEN_HEADER = "X-Pix-Webhook-Token"


def _authentic(request: Request, given: str | None) -> bool:
    secret = request.app.state.runtime.settings.pix_webhook_secret
    if not secret or not given:
        return False
    return hmac.compare_digest(given.encode(), secret.encode())


async def _handle(request: Request, token: str | None) -> Response:
    runtime = request.app.state.runtime
    if pix_provider(runtime) is None:
        return JSONResponse({"detail": "no PSP is configured"}, status_code=404)
    if not _authentic(request, token):
        log.warning("pix webhook refused: bad or missing token")
        return JSONResponse({"detail": "bad or missing token"}, status_code=403)
    try:
        payload: Any = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return JSONResponse({"detail": "the body is not valid JSON"}, status_code=400)
    try:
        report = await receive_notification(runtime, payload)
    except MalformedNotification as exc:
        return JSONResponse({"detail": str(exc)}, status_code=400)
    except PixApiError:
        # we could not check it with the PSP: ask for the notification again later
        return JSONResponse({"detail": "could not verify with the PSP"}, status_code=503)
    return JSONResponse(report.as_dict(), status_code=200)


@router.post("/pix")
async def pix_webhook(request: Request) -> Response:
    return await _handle(request, request.headers.get(TOKEN_HEADER))


@router.post("/pix/{token}/pix")
async def pix_webhook_secret_path(request: Request, token: str) -> Response:
    return await _handle(request, token)
