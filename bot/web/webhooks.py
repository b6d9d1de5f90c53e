"""Provider webhooks: Telegram and Twilio. Verify, convert, hand to the runtime, answer.

Nothing is stored before the request is verified. The runtime stores the turn before we
answer 200, so a crash makes the provider retry instead of losing the message (its
de-duplication drops the repeat).
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bot.channels.masking import mask_address
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_parse import MalformedUpdate, callback_query_id, parse_update
from bot.channels.twilio_parse import (
    MalformedWebhook,
    parse_inbound,
    parse_status,
    signature_valid,
)

log = logging.getLogger(__name__)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


@router.post("/telegram")
async def telegram_webhook(request: Request) -> Response:
    runtime = request.app.state.runtime
    secret = runtime.settings.telegram_webhook_secret
    channel = runtime.channels.get("telegram")
    if channel is None:
        return _problem(404, "Telegram is not configured")
    given = request.headers.get(TELEGRAM_SECRET_HEADER, "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        log.warning("telegram webhook refused: bad secret token")
        return _problem(403, "bad or missing secret token")
    try:
        payload: Any = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _problem(400, "the body is not valid JSON")
    try:
        messages = parse_update(payload, now=runtime.clock.now())
    except MalformedUpdate as exc:
        return _problem(400, f"not a Telegram update: {exc}")
    query_id = callback_query_id(payload)
    if query_id is not None and isinstance(channel, TelegramChannel):
        await channel.answer_callback(query_id)
    for message in messages:
        await runtime.receive(message)
    return Response(status_code=200)


async def _verified_form(request: Request) -> dict[str, str] | None:
    """The form fields when Twilio's signature over ``QUITA_PUBLIC_URL`` + path matches."""
    runtime = request.app.state.runtime
    token = runtime.settings.twilio_auth_token
    if not token:
        return None
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    url = runtime.settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    if not signature_valid(token, url, form, request.headers.get(TWILIO_SIGNATURE_HEADER)):
        log.warning("twilio webhook refused: bad signature", extra={"path": request.url.path})
        return None
    return form


@router.post("/twilio")
async def twilio_webhook(request: Request) -> Response:
    runtime = request.app.state.runtime
    form = await _verified_form(request)
    if form is None:
        return _problem(403, "bad or missing X-Twilio-Signature")
    try:
        message = parse_inbound(form, now=runtime.clock.now())
    except MalformedWebhook as exc:
        return _problem(400, str(exc))
    log.info(
        "twilio inbound",
        extra={"channel": message.channel, "from": mask_address(message.address)},
    )
    await runtime.receive(message)
    return Response(EMPTY_TWIML, media_type="application/xml")


@router.post("/twilio/status")
async def twilio_status(request: Request) -> Response:
    runtime = request.app.state.runtime
    form = await _verified_form(request)
    if form is None:
        return _problem(403, "bad or missing X-Twilio-Signature")
    try:
        update = parse_status(form, now=runtime.clock.now())
    except MalformedWebhook as exc:
        return _problem(400, str(exc))
    await runtime.record_status(update)
    return Response(status_code=204)
