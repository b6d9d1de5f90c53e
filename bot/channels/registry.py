"""Which channels a deployment has: an explicit list of adapters, no discovery.

Adding a provider is one line in ``ADAPTERS`` (its configuration entry) plus its adapter
and parse modules; nothing outside ``bot/channels`` changes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import httpx

from bot.channels.base import Channel, ChannelAdapter, WebhookEndpoint
from bot.channels.telegram import TelegramAdapter
from bot.channels.twilio import STATUS_PATH, TwilioAdapter
from bot.channels.web import WebChannel
from bot.channels.whatsapp_cloud import WhatsAppCloudAdapter
from bot.config import Settings

TWILIO_STATUS_PATH = "/webhooks/" + STATUS_PATH

# Later entries win a channel name both offer (a deployment turns on one WhatsApp provider).
ADAPTERS: tuple[ChannelAdapter, ...] = (
    TelegramAdapter(),
    TwilioAdapter(),
    WhatsAppCloudAdapter(),
)


def build_channels(
    settings: Settings,
    *,
    http: httpx.Client | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Channel]:
    """``{"web": ..., "telegram": ..., "whatsapp": ..., "sms": ...}``.

    A channel whose credentials are absent is left out; the simulator (``web``) is always
    there. ``http`` is the synchronous httpx client Twilio's SDK should use (tests, proxies).
    Nothing here touches the network.
    """
    env = os.environ if environ is None else environ
    channels: dict[str, Channel] = {"web": WebChannel()}
    for adapter in ADAPTERS:
        channels.update(adapter.channels(settings, env, http=http))
    return channels


def webhook_endpoints(
    settings: Settings,
    channels: Mapping[str, object],
    *,
    environ: Mapping[str, str] | None = None,
) -> dict[str, WebhookEndpoint]:
    """Every ``/webhooks/{endpoint}`` this deployment answers, by endpoint."""
    env = os.environ if environ is None else environ
    endpoints: dict[str, WebhookEndpoint] = {}
    for adapter in ADAPTERS:
        endpoints.update(adapter.webhooks(settings, channels, env))
    return endpoints
