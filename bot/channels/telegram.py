"""Telegram through python-telegram-bot: sends ``OutboundMessage`` and wraps Bot API calls.

The adapter holds a ``telegram.Bot`` (``self._bot``); parsing lives in ``telegram_parse``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import warnings
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram import error as tg_error
from telegram.request import BaseRequest

from bot.channels.base import (
    Channel,
    ChannelPolicy,
    InboundSink,
    SendError,
    Webhook,
    WebhookEndpoint,
    WebhookRefused,
    WebhookRequest,
)
from bot.channels.masking import mask_address
from bot.channels.media import MAX_MEDIA_BYTES, accepted, failed
from bot.channels.policies import telegram_policy
from bot.channels.telegram_parse import (
    CHANNEL,
    FILE_PREFIX,
    MalformedUpdate,
    callback_query_id,
    parse_update,
)
from bot.config import ChannelSettings, Settings
from bot.core.domain import Button, Media, OutboundMessage, SendResult
from bot.core.enums import ChoiceKind

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
MEDIA_SECONDS = 15.0  # a receipt download may take longer than a send, not forever
WEBHOOK_PATH = "/webhooks/" + CHANNEL
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
SIDE_BY_SIDE = 18  # characters: two buttons this short fit one row on a phone


def callback_data(payload: str) -> str:
    """``payload`` cut to Telegram's 64-byte limit without splitting a UTF-8 character."""
    raw = payload.encode("utf-8")
    if len(raw) <= CALLBACK_DATA_LIMIT:
        return payload
    log.warning("telegram callback data cut to 64 bytes", extra={"payload_bytes": len(raw)})
    return raw[:CALLBACK_DATA_LIMIT].decode("utf-8", errors="ignore")


def keyboard(buttons: tuple[Button, ...], kind: str | None = None) -> InlineKeyboardMarkup | None:
    """A yes/no or identity question's two short answers side by side; otherwise one
    button per row, in order (options are read as a list)."""
    if not buttons:
        return None
    keys = [InlineKeyboardButton(b.title, callback_data=callback_data(b.payload)) for b in buttons]
    short = all(len(b.title) <= SIDE_BY_SIDE for b in buttons)
    if kind in (ChoiceKind.YES_NO, ChoiceKind.IDENTITY) and len(keys) == 2 and short:
        return InlineKeyboardMarkup([keys])
    return InlineKeyboardMarkup([[key] for key in keys])


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split a long text at line breaks (or hard, when a line is too long)."""
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            chunks.append(current)
            current = ""
        current += line
    if current or not chunks:
        chunks.append(current)
    return chunks


def send_error(exc: tg_error.TelegramError) -> SendError:
    """Map python-telegram-bot's errors to transient (retry) or permanent ones."""
    if isinstance(exc, tg_error.RetryAfter):
        return SendError(str(exc), transient=True, retry_after=_retry_seconds(exc), code="429")
    if isinstance(exc, tg_error.Forbidden):  # blocked by the user
        return SendError(str(exc), transient=False, code="403")
    if isinstance(exc, tg_error.InvalidToken):
        return SendError(str(exc), transient=False, code="401")
    if isinstance(exc, tg_error.BadRequest):
        return SendError(str(exc), transient=False, code="400")
    if isinstance(exc, tg_error.ChatMigrated):
        return SendError(str(exc), transient=False, code="chat_migrated")
    return SendError(str(exc), transient=True, code="network")


def _retry_seconds(exc: tg_error.RetryAfter) -> float:
    with warnings.catch_warnings():  # int vs timedelta deprecation in v22
        warnings.simplefilter("ignore")
        value: Any = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def file_base_url(base_url: str) -> str:
    """Where the Bot API serves files: ``.../file/bot`` beside ``.../bot``."""
    root = base_url.rstrip("/")
    return (root.removesuffix("/bot") if root.endswith("/bot") else root) + "/file/bot"


class TelegramChannel:
    """Sends through the Bot API; also answers callbacks and manages the webhook."""

    name = CHANNEL

    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        base_file_url: str | None = None,
        request: BaseRequest | None = None,
        get_updates_request: BaseRequest | None = None,
        policy: ChannelPolicy | None = None,
        settings: Settings | None = None,
        poll_seconds: int = 25,
    ) -> None:
        self.policy = policy or telegram_policy(ChannelSettings())
        # read at start: webhook or polling, the public URL and the webhook's secret
        self._settings = settings
        self.poll_seconds = poll_seconds
        self._poller: Any = None  # a TelegramPoller while polling
        # Opt in to v23's timedelta durations: without it python-telegram-bot 22 warns
        # (PTBDeprecationWarning) whenever it builds a RetryAfter. We read both kinds.
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self._bot = Bot(
            token,
            base_url=base_url or DEFAULT_BASE_URL,
            base_file_url=base_file_url or file_base_url(base_url or DEFAULT_BASE_URL),
            request=request,
            get_updates_request=get_updates_request,
        )
        self._started = False
        self._start_lock = asyncio.Lock()

    @property
    def username(self) -> str | None:
        """The bot's username, known after ``start``."""
        return self._bot.username if self._started else None

    async def _open(self) -> None:
        """Open the HTTP clients and check the token (``getMe``). Idempotent."""
        async with self._start_lock:
            if not self._started:
                await self._bot.initialize()
                self._started = True

    async def start(self, inbox: InboundSink) -> None:
        """Point Telegram at our ``/webhooks/telegram``, or poll ``getUpdates`` into ``inbox``
        (``channels.telegram.mode: polling``, for local use).

        Webhook mode needs ``TELEGRAM_WEBHOOK_SECRET`` (start-up fails without it). A channel
        built without settings (by hand, in a test) has nothing to register."""
        settings = self._settings
        if settings is None:
            return
        if settings.channels.telegram.mode == "polling":
            from bot.channels.telegram_polling import TelegramPoller  # it builds on this module

            self._poller = TelegramPoller(
                self, inbox.receive, timeout=self.poll_seconds, now=inbox.now
            )
            self._poller.start()
            log.info("telegram polling started")
            return
        if not settings.telegram_webhook_secret:
            raise RuntimeError("telegram.mode is webhook but TELEGRAM_WEBHOOK_SECRET is not set")
        url = settings.public_url.rstrip("/") + WEBHOOK_PATH
        await self.set_webhook(url, secret_token=settings.telegram_webhook_secret)
        log.info("telegram webhook set", extra={"url": url})

    async def stop(self) -> None:
        """End polling (if on) and close the HTTP clients. Safe to call twice."""
        if self._poller is not None:
            await self._poller.stop()
            self._poller = None
        if self._started:
            await self._bot.shutdown()
            self._started = False

    async def fetch_media(self, media: Media) -> bytes | None:
        """``getFile`` then the file itself, through the Bot (so ``TELEGRAM_API_BASE_URL``
        and its request layer apply). The Bot API serves files of up to 20 MB; ours stop
        at 5 MB, checked on ``file_size`` before downloading and on the bytes after."""
        if not media.url or not media.url.startswith(FILE_PREFIX) or not accepted(media):
            return None
        await self._open()
        try:
            found = await self._bot.get_file(
                media.url.removeprefix(FILE_PREFIX), read_timeout=MEDIA_SECONDS
            )
            if found.file_size is not None and found.file_size > MAX_MEDIA_BYTES:
                failed(CHANNEL, "too large")
                return None
            data = bytes(await found.download_as_bytearray(read_timeout=MEDIA_SECONDS))
        except tg_error.TelegramError as exc:
            failed(CHANNEL, type(exc).__name__)
            return None
        if len(data) > MAX_MEDIA_BYTES:
            failed(CHANNEL, "too large")
            return None
        return data

    async def send(self, message: OutboundMessage) -> SendResult:
        await self._open()
        markup = keyboard(message.buttons, message.choice_kind)
        chat_id = message.address
        try:
            if message.image_png is not None:
                caption = message.text if len(message.text) <= CAPTION_LIMIT else None
                sent = await self._bot.send_photo(
                    chat_id,
                    photo=message.image_png,
                    caption=caption,
                    reply_markup=markup if caption is not None or not message.text else None,
                )
                if caption is None and message.text:
                    sent = await self._send_text(chat_id, message.text, markup)
            else:
                sent = await self._send_text(chat_id, message.text, markup)
        except tg_error.TelegramError as exc:
            error = send_error(exc)
            log.info(
                "telegram send failed",
                extra={
                    "to": mask_address(chat_id),
                    "code": error.code,
                    "transient": error.transient,
                },
            )
            raise error from exc
        log.info("telegram sent", extra={"to": mask_address(chat_id), "id": sent.message_id})
        return SendResult(provider_id=f"{chat_id}:{sent.message_id}")

    async def _send_text(
        self, chat_id: str, text: str, markup: InlineKeyboardMarkup | None
    ) -> Any:
        chunks = split_text(text)
        sent = None
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            sent = await self._bot.send_message(
                chat_id, chunk, reply_markup=markup if last else None
            )
        return sent

    async def answer_callback(self, query_id: str) -> None:
        """Stop the button's spinner; errors are logged, never raised (it is cosmetic)."""
        try:
            await self._open()
            await self._bot.answer_callback_query(query_id)
        except tg_error.TelegramError as exc:
            log.warning("telegram answerCallbackQuery failed", extra={"error": str(exc)})

    async def set_webhook(self, url: str, *, secret_token: str | None) -> None:
        """Point Telegram at ``url`` (our ``/webhooks/telegram``), with the secret header."""
        await self._open()
        await self._bot.set_webhook(
            url, secret_token=secret_token, allowed_updates=["message", "callback_query"]
        )

    async def delete_webhook(self) -> None:
        await self._open()
        await self._bot.delete_webhook()

    async def get_updates(self, *, offset: int | None, poll_seconds: int) -> list[dict[str, Any]]:
        """Long-poll for updates, as Bot API JSON objects (for ``parse_update``)."""
        await self._open()
        updates: tuple[Update, ...] = await self._bot.get_updates(
            offset=offset, timeout=poll_seconds, allowed_updates=["message", "callback_query"]
        )
        return [u.to_dict() for u in updates]


SECRET_HEADER = "x-telegram-bot-api-secret-token"


class TelegramWebhook:
    """``POST /webhooks/telegram``: the secret token header, then the update."""

    def __init__(self, secret: str | None, channel: object | None) -> None:
        self._secret = secret
        self._channel = channel

    async def handle(self, request: WebhookRequest) -> Webhook:
        given = request.headers.get(SECRET_HEADER, "")
        if not self._secret or not hmac.compare_digest(given.encode(), self._secret.encode()):
            log.warning("telegram webhook refused: bad secret token")
            raise WebhookRefused(403, "bad or missing secret token")
        try:
            payload: Any = json.loads(request.body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise WebhookRefused(400, "the body is not valid JSON") from None
        try:
            messages = parse_update(payload, now=request.received_at)
        except MalformedUpdate as exc:
            raise WebhookRefused(400, f"not a Telegram update: {exc}") from None
        query_id = callback_query_id(payload)
        if query_id is not None and isinstance(self._channel, TelegramChannel):
            await self._channel.answer_callback(query_id)
        return Webhook(messages=tuple(messages))


class TelegramAdapter:
    """The registry entry: on with ``TELEGRAM_BOT_TOKEN`` (and ``channels.telegram.enabled``)."""

    def channels(
        self, settings: Settings, environ: Mapping[str, str], *, http: object = None
    ) -> dict[str, Channel]:
        if not (settings.telegram_enabled and settings.telegram_bot_token):
            return {}
        channel = TelegramChannel(
            settings.telegram_bot_token,
            base_url=settings.telegram_api_base_url,
            policy=telegram_policy(settings.channels),
            settings=settings,
        )
        return {CHANNEL: channel}

    def webhooks(
        self, settings: Settings, channels: Mapping[str, object], environ: Mapping[str, str]
    ) -> dict[str, WebhookEndpoint]:
        if CHANNEL not in channels:
            return {}
        return {CHANNEL: TelegramWebhook(settings.telegram_webhook_secret, channels[CHANNEL])}
