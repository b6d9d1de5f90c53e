"""Which channels a deployment has: an explicit dict, built from settings, no discovery."""

from __future__ import annotations

import httpx

from bot.channels.telegram import TelegramChannel
from bot.channels.twilio import TwilioChannel, make_client
from bot.channels.web import WebChannel
from bot.config import Settings
from bot.runtime.ports import Channel

TWILIO_STATUS_PATH = "/webhooks/twilio/status"


def build_channels(settings: Settings, *, http: httpx.Client | None = None) -> dict[str, Channel]:
    """``{"web": ..., "telegram": ..., "whatsapp": ..., "sms": ...}``.

    A channel whose credentials are absent is left out; the simulator (``web``) is always
    there. ``http`` is the synchronous httpx client Twilio's SDK should use (tests, proxies).
    Nothing here touches the network.
    """
    channels: dict[str, Channel] = {"web": WebChannel()}
    if settings.telegram_enabled and settings.telegram_bot_token:
        channels["telegram"] = TelegramChannel(
            settings.telegram_bot_token, base_url=settings.telegram_api_base_url
        )
    if settings.twilio_enabled and settings.twilio_account_sid and settings.twilio_auth_token:
        client, transport = make_client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            base_url=settings.twilio_api_base_url,
            http=http,
        )
        status_callback = settings.public_url.rstrip("/") + TWILIO_STATUS_PATH
        senders = {"whatsapp": settings.twilio_whatsapp_from, "sms": settings.twilio_sms_from}
        for name, number in senders.items():
            if number:
                channels[name] = TwilioChannel(
                    name,
                    client=client,
                    transport=transport,
                    from_number=number,
                    templates=settings.channels.twilio.templates,
                    status_callback=status_callback,
                )
    return channels


async def close_channels(channels: dict[str, Channel]) -> None:
    """Close network clients the channels opened (Telegram's and Twilio's)."""
    closed: set[int] = set()
    for channel in channels.values():
        if isinstance(channel, TelegramChannel):
            await channel.stop()
        elif isinstance(channel, TwilioChannel) and id(channel.transport) not in closed:
            closed.add(id(channel.transport))
            channel.transport.close()
