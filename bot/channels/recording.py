"""A channel that records what it was asked to send, with optional scripted failures."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from bot.channels.base import ChannelPolicy, SendError
from bot.channels.policies import policy_for
from bot.core.domain import OutboundMessage, SendResult


class RecordingChannel:
    """Records every successful send in ``sent``; raises the scripted failures first.

    ``failures`` is consumed one per send attempt: a ``SendError`` is raised, ``None`` lets
    that attempt succeed. ``attempts`` counts every call, failed or not.
    """

    def __init__(
        self,
        name: str = "test",
        *,
        failures: Iterable[SendError | None] = (),
        policy: ChannelPolicy | None = None,
    ) -> None:
        self.name = name
        self.policy = policy or policy_for(name)
        self.sent: list[OutboundMessage] = []
        self.attempts = 0
        self._failures = list(failures)
        self._ids = itertools.count(1)

    def fail_next(self, *errors: SendError | None) -> None:
        """Script more failures for the next attempts."""
        self._failures.extend(errors)

    async def send(self, message: OutboundMessage) -> SendResult:
        self.attempts += 1
        if self._failures:
            error = self._failures.pop(0)
            if error is not None:
                raise error
        self.sent.append(message)
        return SendResult(provider_id=f"{self.name}-{next(self._ids)}")

    def texts(self, address: str | None = None) -> list[str]:
        """Texts sent, optionally only those to ``address``."""
        return [m.text for m in self.sent if address is None or m.address == address]
