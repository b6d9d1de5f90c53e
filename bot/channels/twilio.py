"""WhatsApp and SMS through Twilio's REST API (``twilio.rest.Client`` held as a member).

Sends go through the SDK's async API on the event loop (``twilio_async``); the rest of the
SDK is synchronous and runs in worker threads, so the event loop never blocks. One
``TwilioChannel`` per channel name (``whatsapp``, ``sms``), sharing one client.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.channels.answers import cut, numbered_text
from bot.channels.base import (
    Channel,
    ChannelPolicy,
    InboundSink,
    SendError,
    Webhook,
    WebhookEndpoint,
    WebhookRefused,
    WebhookReply,
    WebhookRequest,
)
from bot.channels.masking import mask_address
from bot.channels.media import accepted, failed
from bot.channels.policies import policy_for, twilio_sms_policy, twilio_whatsapp_policy
from bot.channels.twilio_async import AsyncTwilioTransport
from bot.channels.twilio_http import HttpxTwilioClient
from bot.channels.twilio_parse import (
    WHATSAPP_PREFIX,
    MalformedWebhook,
    parse_inbound,
    parse_status,
    signature_valid,
)
from bot.config import Settings
from bot.core.domain import Media, OutboundMessage, SendResult

log = logging.getLogger(__name__)

NO_TEMPLATE = "no_template"
# Content API limits for quick-reply / list-picker (WhatsApp in session)
CONTENT_BODY, CONTENT_ITEMS, CONTENT_TITLE, CONTENT_DESC = 1024, 10, 20, 72


def make_client(
    account_sid: str,
    auth_token: str,
    *,
    base_url: str | None = None,
    http: httpx.Client | None = None,
) -> tuple[Client, HttpxTwilioClient]:
    """A twilio ``Client`` on our httpx network layer (pointed at ``base_url`` if given)."""
    transport = HttpxTwilioClient(base_url=base_url, client=http)
    return Client(account_sid, auth_token, http_client=transport), transport


TWILIO_HOST = ".twilio.com"  # where inbound media live (api.twilio.com)


class TwilioChannel:
    """Sends one channel's messages (``whatsapp`` or ``sms``) from ``from_number``."""

    def __init__(
        self,
        name: str,
        *,
        client: Client,
        transport: HttpxTwilioClient,
        from_number: str,
        templates: Mapping[str, str] | None = None,
        interactive: Mapping[str, str] | None = None,
        status_callback: str | None = None,
        policy: ChannelPolicy | None = None,
    ) -> None:
        if name not in ("whatsapp", "sms"):
            raise ValueError(f"unknown Twilio channel {name!r}")
        self.name = name
        self.policy = policy or policy_for(name)
        self._client = client
        self._transport = transport
        self._from = self._address(from_number)
        self._templates = dict(templates or {})
        self._interactive = dict(interactive or {})
        self._status_callback = status_callback
        # sends on the event loop (``twilio_async``); behind a proxy, none: httpx in threads
        self._async_transport = AsyncTwilioTransport(transport) if transport.lean else None
        self._async_client = (
            Client(
                client.username,
                client.password,
                account_sid=client.account_sid,
                http_client=self._async_transport,
            )
            if self._async_transport is not None
            else None
        )
        # the SDK imports its REST domain on first use: here, not in the first sends racing
        # for the import lock
        _ = client.messages

    @property
    def transport(self) -> HttpxTwilioClient:
        return self._transport

    async def fetch_media(self, media: Media) -> bytes | None:
        """``MediaUrl{N}`` with the account's credentials (Twilio protects inbound media
        with HTTP basic auth). Credentials only ever go to a Twilio host."""
        if not media.url or not accepted(media):
            return None
        parts = urlsplit(media.url)
        if parts.scheme != "https" or not (parts.hostname or "").endswith(TWILIO_HOST):
            failed(self.name, "not a twilio url")
            return None
        auth = (str(self._client.username), str(self._client.password))
        return await asyncio.to_thread(self._transport.download, media.url, auth, self.name)

    def has_template(self, template: str | None) -> bool:
        return template is not None and template in self._templates

    def _address(self, number: str) -> str:
        number = number.removeprefix(WHATSAPP_PREFIX)
        return WHATSAPP_PREFIX + number if self.name == "whatsapp" else number

    def request(self, message: OutboundMessage) -> dict[str, Any]:
        """The ``messages.create`` arguments for ``message``."""
        args: dict[str, Any] = {"from_": self._from, "to": self._address(message.address)}
        if self._status_callback:
            args["status_callback"] = self._status_callback
        if message.template is not None and self.name == "whatsapp":
            content_sid = self._templates.get(message.template)
            if content_sid is None:
                raise SendError(
                    f"no approved WhatsApp template is mapped for {message.template!r} "
                    "(channels.twilio.templates in config.yml)",
                    transient=False,
                    code=NO_TEMPLATE,
                )
            args["content_sid"] = content_sid
            args["content_variables"] = json.dumps(message.template_vars, ensure_ascii=False)
        elif (interactive := self.interactive(message)) is not None:
            args["content_sid"], variables = interactive
            args["content_variables"] = json.dumps(variables, ensure_ascii=False)
        else:
            args["body"] = numbered_text(message)
        return args

    def interactive(self, message: OutboundMessage) -> tuple[str, dict[str, str]] | None:
        """The quick-reply / list-picker ContentSid configured for this message's answers
        (``channels.twilio.interactive``: ``options_3`` before ``options``) and its variables.

        Variables, for the template to use as it likes: ``body`` (the text), ``button`` (a
        list's opening button), and per answer N (from 1) ``titleN`` (20 characters at most,
        a quick reply's limit), ``idN`` (what comes back as ButtonPayload / ListId) and
        ``descN`` (a list row's description). None: no template fits, send text."""
        buttons, kind = message.buttons, message.choice_kind
        if self.name != "whatsapp" or not buttons or kind is None:
            return None
        sid = self._interactive.get(f"{kind}_{len(buttons)}") or self._interactive.get(kind)
        if sid is None or len(message.text) > CONTENT_BODY or len(buttons) > CONTENT_ITEMS:
            return None
        variables = {"body": message.text, "button": cut(message.choices_button or "☰", 20)}
        for number, button in enumerate(buttons, start=1):
            variables[f"title{number}"] = cut(button.title, CONTENT_TITLE)
            variables[f"id{number}"] = button.payload
            variables[f"desc{number}"] = cut(button.description or button.title, CONTENT_DESC)
        return sid, variables

    async def start(self, inbox: InboundSink) -> None:
        """Nothing to register: Twilio's webhooks are set in its console (README)."""

    async def stop(self) -> None:
        """Close the HTTP client (one may serve both channels; closing twice is harmless)."""
        if self._async_transport is not None:
            await self._async_transport.aclose()
        self._transport.close()

    async def send(self, message: OutboundMessage) -> SendResult:
        args = self.request(message)
        if self._async_client is not None and self._async_transport is not None:
            sid = await self._create_here(self._async_client, self._async_transport, args)
        else:  # behind a proxy: httpx, in the transport's threads
            sid = await self._transport.run(self._create, args)
        # DEBUG: the sender logs every send at INFO ("message sent"); twice cost a turn's CPU
        log.debug(
            "twilio sent",
            extra={
                "channel": self.name,
                "to": mask_address(message.address),
                "sid": sid,
                "content": "content_sid" in args,
            },
        )
        return SendResult(provider_id=sid)

    async def _create_here(
        self, client: Client, transport: AsyncTwilioTransport, args: dict[str, Any]
    ) -> str:
        """``messages.create_async`` through twilio-python, on the event loop (its HTTP on
        our keep-alive connections, ``twilio_async``); its errors become ``SendError``."""
        try:
            created = await client.messages.create_async(**args)
        except (TwilioRestException, OSError, http.client.HTTPException) as exc:
            raise self._send_error(exc, transport.last_retry_after()) from exc
        return str(created.sid)

    def _create(self, args: dict[str, Any]) -> str:
        """Runs in a worker thread (behind a proxy): ``messages.create`` through
        twilio-python on httpx (``twilio_http``); its errors become ``SendError`` here."""
        try:
            created = self._client.messages.create(**args)
        except (TwilioRestException, OSError, http.client.HTTPException, httpx.HTTPError) as exc:
            raise self._send_error(exc, self._transport.last_retry_after()) from exc
        return str(created.sid)

    def _send_error(self, exc: Exception, retry_after: float | None) -> SendError:
        if not isinstance(exc, TwilioRestException):
            return SendError(f"twilio unreachable: {exc}", transient=True, code="network")
        transient = exc.status == 429 or exc.status >= 500
        code = str(exc.code) if exc.code else str(exc.status)
        log.info(
            "twilio send failed", extra={"channel": self.name, "status": exc.status, "code": code}
        )
        return SendError(
            f"twilio {exc.status}: {exc.msg}",
            transient=transient,
            retry_after=retry_after if transient else None,
            code=code,
        )


SIGNATURE_HEADER = "x-twilio-signature"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
STATUS_PATH = "twilio/status"


class TwilioWebhook:
    """``POST /webhooks/twilio`` (messages) and ``/webhooks/twilio/status`` (deliveries):
    ``X-Twilio-Signature`` over the public URL and the form fields, then the form."""

    def __init__(self, auth_token: str, *, statuses: bool) -> None:
        self._token = auth_token
        self._statuses = statuses

    async def handle(self, request: WebhookRequest) -> Webhook:
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature_valid(self._token, request.url, form, signature):
            log.warning(
                "twilio webhook refused: bad signature", extra={"statuses": self._statuses}
            )
            raise WebhookRefused(403, "bad or missing X-Twilio-Signature")
        try:
            if self._statuses:
                update = parse_status(form, now=request.received_at)
                return Webhook(statuses=(update,), reply=WebhookReply(status=204))
            message = parse_inbound(form, now=request.received_at)
        except MalformedWebhook as exc:
            raise WebhookRefused(400, str(exc)) from None
        log.info(
            "twilio inbound",
            extra={"channel": message.channel, "from": mask_address(message.address)},
        )
        return Webhook(
            messages=(message,),
            reply=WebhookReply(body=EMPTY_TWIML, media_type="application/xml"),
        )


class TwilioAdapter:
    """The registry entry: WhatsApp and SMS with ``TWILIO_ACCOUNT_SID``/``TWILIO_AUTH_TOKEN``
    and a sender number for each."""

    def channels(
        self,
        settings: Settings,
        environ: Mapping[str, str],
        *,
        http: httpx.Client | None = None,
    ) -> dict[str, Channel]:
        if not (settings.twilio_enabled and settings.twilio_account_sid):
            return {}
        assert settings.twilio_auth_token is not None  # twilio_enabled says so
        client, transport = make_client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            base_url=settings.twilio_api_base_url,
            http=http,
        )
        status_callback = settings.public_url.rstrip("/") + "/webhooks/" + STATUS_PATH
        senders = {"whatsapp": settings.twilio_whatsapp_from, "sms": settings.twilio_sms_from}
        policies = {
            "whatsapp": twilio_whatsapp_policy(settings.channels),
            "sms": twilio_sms_policy(settings.channels),
        }
        channels: dict[str, Channel] = {}
        for name, number in senders.items():
            if number:
                channels[name] = TwilioChannel(
                    name,
                    client=client,
                    transport=transport,
                    from_number=number,
                    templates=settings.channels.twilio.templates,
                    interactive=settings.channels.twilio.interactive,
                    status_callback=status_callback,
                    policy=policies[name],
                )
        return channels

    def webhooks(
        self, settings: Settings, channels: Mapping[str, object], environ: Mapping[str, str]
    ) -> dict[str, WebhookEndpoint]:
        token = settings.twilio_auth_token
        if not token:
            return {}
        return {
            "twilio": TwilioWebhook(token, statuses=False),
            STATUS_PATH: TwilioWebhook(token, statuses=True),
        }
