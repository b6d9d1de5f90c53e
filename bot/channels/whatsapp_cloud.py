"""WhatsApp through Meta's Cloud API (the Graph API directly, no Twilio).

The adapter holds an ``httpx.AsyncClient`` (``self._http``) and sends ``POST
/{phone-number-id}/messages`` as text, interactive buttons (up to 3) or a list (up to 10),
or as an approved template when the core says so (outside the 24-hour window). Parsing
and signature checks live in ``whatsapp_cloud_parse``.

Environment: ``WHATSAPP_CLOUD_TOKEN``, ``WHATSAPP_CLOUD_PHONE_NUMBER_ID``,
``WHATSAPP_CLOUD_APP_SECRET``, ``WHATSAPP_CLOUD_VERIFY_TOKEN`` and optionally
``WHATSAPP_CLOUD_API_BASE_URL`` (a local stand-in in tests) and
``WHATSAPP_CLOUD_TEMPLATE_LANGUAGE`` (``pt_BR``). With all four set, this adapter is the
deployment's ``whatsapp`` channel (Twilio, if configured, keeps SMS).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from bot.channels.answers import cut, numbered_text
from bot.channels.base import (
    Channel,
    ChannelPolicy,
    InboundSink,
    OutsideWindow,
    RateLimit,
    SendError,
    Webhook,
    WebhookEndpoint,
    WebhookRefused,
    WebhookReply,
    WebhookRequest,
)
from bot.channels.masking import mask_address
from bot.channels.media import MAX_MEDIA_BYTES, MEDIA_TIMEOUT, accepted, failed, read_capped
from bot.channels.policies import WHATSAPP_WINDOW
from bot.channels.whatsapp_cloud_parse import (
    CHANNEL,
    MEDIA_PREFIX,
    MalformedPayload,
    parse_webhook,
    signature_valid,
    verification_challenge,
)
from bot.config import Settings
from bot.core.domain import Media, OutboundMessage, SendResult

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://graph.facebook.com/v20.0"
MEDIA_HOSTS = (".fbsbx.com", ".facebook.com", ".whatsapp.net")  # where Meta serves media
SIGNATURE_HEADER = "x-hub-signature-256"
RE_ENGAGEMENT = "131047"  # more than 24 hours since the person last wrote
RATE_LIMITED = {"4", "80007", "130429", "131056"}
MAX_BUTTONS, BUTTON_TITLE, BUTTON_BODY = 3, 20, 1024
MAX_ROWS, ROW_TITLE, ROW_DESCRIPTION, LIST_BODY = 10, 24, 72, 4096
LIST_BUTTON = "☰"  # the list's opening button when the reply names none (a symbol, no words)
TEXT_LIMIT = 4096

POLICY = ChannelPolicy(
    rate_limits=(RateLimit("whatsapp_cloud", 80.0, 80),),  # Cloud API default throughput
    reply_window=WHATSAPP_WINDOW,
    outside_window=OutsideWindow.TEMPLATE,
    resend_as_template=frozenset({RE_ENGAGEMENT}),
    supports_buttons=True,
    supports_lists=True,
    max_text_length=TEXT_LIMIT,
)


@dataclass(frozen=True)
class CloudConfig:
    token: str
    phone_number_id: str
    app_secret: str
    verify_token: str
    base_url: str = DEFAULT_BASE_URL
    template_language: str = "pt_BR"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> CloudConfig | None:
        """None when the channel is off (no token); a half-configured one fails start-up."""
        names = ("TOKEN", "PHONE_NUMBER_ID", "APP_SECRET", "VERIFY_TOKEN")
        values = {name: environ.get(f"WHATSAPP_CLOUD_{name}", "") for name in names}
        if not values["TOKEN"]:
            return None
        missing = [f"WHATSAPP_CLOUD_{name}" for name, value in values.items() if not value]
        if missing:
            raise ValueError("WhatsApp Cloud API needs " + ", ".join(missing))
        return cls(
            token=values["TOKEN"],
            phone_number_id=values["PHONE_NUMBER_ID"],
            app_secret=values["APP_SECRET"],
            verify_token=values["VERIFY_TOKEN"],
            base_url=environ.get("WHATSAPP_CLOUD_API_BASE_URL") or DEFAULT_BASE_URL,
            template_language=environ.get("WHATSAPP_CLOUD_TEMPLATE_LANGUAGE") or "pt_BR",
        )


def request_body(message: OutboundMessage, *, language: str) -> dict[str, Any]:
    """The ``/messages`` JSON for ``message``."""
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": message.address.lstrip("+"),
    }
    if message.template is not None:
        parameters = [
            {"type": "text", "parameter_name": key, "text": value}
            for key, value in message.template_vars.items()
        ]
        template: dict[str, Any] = {"name": message.template, "language": {"code": language}}
        if parameters:
            template["components"] = [{"type": "body", "parameters": parameters}]
        return body | {"type": "template", "template": template}
    interactive = interactive_body(message)
    if interactive is None:
        text = numbered_text(message)[:TEXT_LIMIT] or "…"
        return body | {"type": "text", "text": {"body": text, "preview_url": False}}
    return body | {"type": "interactive", "interactive": interactive}


def interactive_body(message: OutboundMessage) -> dict[str, Any] | None:
    """Reply buttons (up to 3 titles of 20 characters, a body of 1024), else a list (up to
    10 rows of 24, a body of 4096); None when the answers fit neither: numbered text."""
    buttons, text = message.buttons, message.text or "…"
    if not buttons or len(buttons) > MAX_ROWS or len(text) > LIST_BODY:
        return None
    fits_buttons = len(buttons) <= MAX_BUTTONS and all(
        len(b.title) <= BUTTON_TITLE for b in buttons
    )
    if fits_buttons and len(text) <= BUTTON_BODY:
        replies = [
            {"type": "reply", "reply": {"id": b.payload, "title": b.title}} for b in buttons
        ]
        return {"type": "button", "body": {"text": text}, "action": {"buttons": replies}}
    rows = []
    for b in buttons:
        row = {"id": b.payload, "title": cut(b.title, ROW_TITLE)}
        detail = b.description or (b.title if len(b.title) > ROW_TITLE else "")
        if detail:
            row["description"] = cut(detail, ROW_DESCRIPTION)
        rows.append(row)
    label = cut(message.choices_button or LIST_BUTTON, BUTTON_TITLE)
    return {
        "type": "list",
        "body": {"text": text},
        "action": {"button": label, "sections": [{"rows": rows}]},
    }


class WhatsAppCloudChannel:
    """Sends through the Graph API from one business phone number."""

    name = CHANNEL
    policy = POLICY

    def __init__(self, config: CloudConfig, *, http: httpx.AsyncClient | None = None) -> None:
        self._config = config
        self._http = http or httpx.AsyncClient(timeout=10.0)
        self._url = f"{config.base_url.rstrip('/')}/{config.phone_number_id}/messages"

    async def send(self, message: OutboundMessage) -> SendResult:
        body = request_body(message, language=self._config.template_language)
        headers = {"Authorization": f"Bearer {self._config.token}"}
        try:
            response = await self._http.post(self._url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise SendError(
                f"graph api unreachable: {exc}", transient=True, code="network"
            ) from exc
        if response.status_code >= 400:
            raise _send_error(response)
        try:
            provider_id = str(response.json()["messages"][0]["id"])
        except (ValueError, KeyError, IndexError, TypeError):
            raise SendError("graph api: no message id", transient=True, code="bad_reply") from None
        log.info(
            "whatsapp cloud sent",
            extra={"to": mask_address(message.address), "type": body["type"]},
        )
        return SendResult(provider_id=provider_id)

    async def fetch_media(self, media: Media) -> bytes | None:
        """``GET /{media-id}`` gives a short-lived URL, fetched with the same bearer token
        (Meta's media URLs need it); the token only goes to the Graph host we talk to or to
        Meta's file hosts."""
        if not media.url or not media.url.startswith(MEDIA_PREFIX) or not accepted(media):
            return None
        media_id = media.url.removeprefix(MEDIA_PREFIX)
        if not media_id.isdigit():
            failed(CHANNEL, "bad media id")
            return None
        headers = {"Authorization": f"Bearer {self._config.token}"}
        base = self._config.base_url.rstrip("/")
        try:
            found = await self._http.get(
                f"{base}/{media_id}", headers=headers, timeout=MEDIA_TIMEOUT
            )
            if found.status_code != 200:
                failed(CHANNEL, f"status {found.status_code}")
                return None
            info = found.json()
            url = info.get("url") if isinstance(info, dict) else None
            size = info.get("file_size") if isinstance(info, dict) else None
            if not isinstance(url, str) or not self._trusted(url):
                failed(CHANNEL, "no media url")
                return None
            if isinstance(size, int) and size > MAX_MEDIA_BYTES:
                failed(CHANNEL, "too large")
                return None
            async with self._http.stream(
                "GET", url, headers=headers, timeout=MEDIA_TIMEOUT
            ) as response:
                return await read_capped(response, CHANNEL)
        except (httpx.HTTPError, ValueError) as exc:
            failed(CHANNEL, type(exc).__name__)
            return None

    def _trusted(self, url: str) -> bool:
        host = httpx.URL(url).host
        ours = httpx.URL(self._config.base_url).host
        return host == ours or host.endswith(MEDIA_HOSTS)

    async def start(self, inbox: InboundSink) -> None:
        """Nothing to register: the webhook is set in the Meta app's dashboard (README)."""

    async def stop(self) -> None:
        await self._http.aclose()


def _send_error(response: httpx.Response) -> SendError:
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    code = str(error.get("code") or response.status_code)
    transient = response.status_code == 429 or response.status_code >= 500
    transient = transient or code in RATE_LIMITED
    retry_after = response.headers.get("Retry-After")
    return SendError(
        f"graph api {response.status_code}: {error.get('message', 'error')}",
        transient=transient,
        retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
        code=code,
    )


class WhatsAppCloudWebhook:
    """``GET /webhooks/whatsapp`` (Meta's subscription check) and ``POST`` (signed events)."""

    def __init__(self, config: CloudConfig) -> None:
        self._config = config

    async def handle(self, request: WebhookRequest) -> Webhook:
        if request.method == "GET":
            challenge = verification_challenge(request.query, self._config.verify_token)
            if challenge is None:
                raise WebhookRefused(403, "bad hub.mode or hub.verify_token")
            return Webhook(reply=WebhookReply(body=challenge, media_type="text/plain"))
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature_valid(self._config.app_secret, request.body, signature):
            log.warning("whatsapp cloud webhook refused: bad signature")
            raise WebhookRefused(403, "bad or missing X-Hub-Signature-256")
        try:
            messages, statuses = parse_webhook(json.loads(request.body), now=request.received_at)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise WebhookRefused(400, "the body is not valid JSON") from None
        except MalformedPayload as exc:
            raise WebhookRefused(400, str(exc)) from None
        return Webhook(messages=tuple(messages), statuses=tuple(statuses))


class WhatsAppCloudAdapter:
    """The registry entry: on when ``WHATSAPP_CLOUD_TOKEN`` is set."""

    def channels(
        self, settings: Settings, environ: Mapping[str, str], *, http: object = None
    ) -> dict[str, Channel]:
        config = CloudConfig.from_environ(environ)
        return {} if config is None else {CHANNEL: WhatsAppCloudChannel(config)}

    def webhooks(
        self, settings: Settings, channels: Mapping[str, object], environ: Mapping[str, str]
    ) -> dict[str, WebhookEndpoint]:
        config = CloudConfig.from_environ(environ)
        return {} if config is None else {CHANNEL: WhatsAppCloudWebhook(config)}
