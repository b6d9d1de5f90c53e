"""The simulator's channel: what the bot sends, kept per address for the page."""

from __future__ import annotations

from bot.channels.web import WebChannel
from bot.core.domain import OutboundMessage


async def test_provider_ids_differ_across_restarts() -> None:
    """The database keeps (channel, provider_id) unique: a second `make run` on the same demo
    database counted from web-1 again and the first reply failed with a 500."""
    message = OutboundMessage(channel="web", address="demo-demo-001", text="oi")
    before = await WebChannel().send(message)
    after = await WebChannel().send(message)  # the app started again
    assert before.provider_id != after.provider_id


async def test_messages_are_kept_per_address_in_order() -> None:
    channel = WebChannel()
    for text in ("um", "dois"):
        await channel.send(OutboundMessage(channel="web", address="a", text=text))
    await channel.send(OutboundMessage(channel="web", address="b", text="outro"))
    assert [m.text for m in channel.messages("a")] == ["um", "dois"]
    assert [m.text for m in channel.messages("a", after=1)] == ["dois"]
