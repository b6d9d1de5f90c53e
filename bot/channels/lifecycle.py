"""Start and stop every channel that needs it, without knowing which provider it is."""

from __future__ import annotations

from collections.abc import Mapping

from bot.channels.base import Channel, InboundSink, StartableChannel


def _startable(channels: Mapping[str, Channel]) -> list[StartableChannel]:
    """Each channel once (one Twilio client may serve two channel names)."""
    seen: set[int] = set()
    found: list[StartableChannel] = []
    for channel in channels.values():
        if isinstance(channel, StartableChannel) and id(channel) not in seen:
            seen.add(id(channel))
            found.append(channel)
    return found


async def start_channels(channels: Mapping[str, Channel], inbox: InboundSink) -> None:
    """For the runtime's start: each channel registers its webhook or starts polling."""
    for channel in _startable(channels):
        await channel.start(inbox)


async def stop_channels(channels: Mapping[str, Channel]) -> None:
    """For the runtime's stop: polling ends, network clients close (safe to call twice)."""
    for channel in _startable(channels):
        await channel.stop()
