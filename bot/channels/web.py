"""The web simulator channel: keeps what the bot sends for the simulator page to read.

In-process only (the simulator is the embedded demo). The page polls ``messages(address,
after=...)`` or streams with ``wait(address, after=..., timeout=...)``.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections import defaultdict, deque
from dataclasses import dataclass

from bot.channels.policies import simulator_policy
from bot.core.domain import Button, OutboundMessage, SendResult


@dataclass(frozen=True)
class SimulatorMessage:
    """One bot message as the simulator shows it; ``seq`` grows per address."""

    seq: int
    text: str
    buttons: tuple[Button, ...] = ()
    image_png: bytes | None = None
    provider_id: str = ""


class WebChannel:
    """Outgoing messages per simulator address, at most ``keep`` of them each."""

    name = "web"

    def __init__(self, *, keep: int = 500) -> None:
        self.policy = simulator_policy()
        self._keep = keep
        self._boxes: dict[str, deque[SimulatorMessage]] = defaultdict(
            lambda: deque(maxlen=self._keep)
        )
        self._seq: dict[str, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._changed: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self._ids = itertools.count(1)
        # ids stay unique across restarts: the database keeps (channel, provider_id) unique,
        # and a second `make run` on the same demo database counted from 1 again (500s)
        self._run = secrets.token_hex(4)

    async def send(self, message: OutboundMessage) -> SendResult:
        provider_id = f"web-{self._run}-{next(self._ids)}"
        self._boxes[message.address].append(
            SimulatorMessage(
                seq=next(self._seq[message.address]),
                text=message.text,
                buttons=message.buttons,
                image_png=message.image_png,
                provider_id=provider_id,
            )
        )
        event = self._changed.pop(message.address, None)
        if event is not None:
            event.set()
        return SendResult(provider_id=provider_id)

    def messages(self, address: str, *, after: int = 0) -> list[SimulatorMessage]:
        """Messages to ``address`` with ``seq`` greater than ``after``, oldest first."""
        return [m for m in self._boxes.get(address, ()) if m.seq > after]

    async def wait(
        self, address: str, *, after: int = 0, wait_seconds: float = 25.0
    ) -> list[SimulatorMessage]:
        """Like ``messages`` but waits up to ``wait_seconds`` for something new."""
        found = self.messages(address, after=after)
        if found:
            return found
        event = self._changed[address]
        try:
            await asyncio.wait_for(event.wait(), wait_seconds)
        except TimeoutError:
            return []
        return self.messages(address, after=after)
