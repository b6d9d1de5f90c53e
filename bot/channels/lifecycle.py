"""Start-up of the channels that need it: Telegram's webhook or its polling loop."""

from __future__ import annotations

import logging
from typing import Any

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_polling import TelegramPoller

log = logging.getLogger(__name__)

TELEGRAM_WEBHOOK_PATH = "/webhooks/telegram"


async def start_channels(runtime: Any, *, poll_seconds: int = 25) -> None:
    """For ``Runtime.start``: point Telegram at our webhook, or start polling.

    The polling task is appended to ``runtime._tasks`` so ``Runtime.stop`` cancels it.
    Webhook mode needs ``TELEGRAM_WEBHOOK_SECRET`` (start-up fails without it).
    """
    channel = runtime.channels.get("telegram")
    if not isinstance(channel, TelegramChannel):
        return
    settings = runtime.settings
    if settings.channels.telegram.mode == "polling":
        poller = TelegramPoller(
            channel, runtime.receive, timeout=poll_seconds, now=runtime.clock.now
        )
        runtime._tasks.append(poller.start())
        log.info("telegram polling started")
        return
    if not settings.telegram_webhook_secret:
        raise RuntimeError("telegram.mode is webhook but TELEGRAM_WEBHOOK_SECRET is not set")
    url = settings.public_url.rstrip("/") + TELEGRAM_WEBHOOK_PATH
    await channel.set_webhook(url, secret_token=settings.telegram_webhook_secret)
    log.info("telegram webhook set", extra={"url": url})
