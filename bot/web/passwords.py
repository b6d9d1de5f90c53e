"""Argon2 verification on its own small pool, away from the threads that serve webhooks.

Each verification costs tens of milliseconds of CPU and 64 MiB of memory. Run in the default
executor, a password spray filled every worker and webhook replies queued behind it (median
13 ms → 1.76 s). Here at most ``workers`` hashes run at once and at most ``max_waiting``
logins wait; beyond that a login is refused at once (``PasswordPoolBusy``) instead of queueing
without bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from bot.web.security import dummy_verify, verify_password

THREAD_PREFIX = "quita-password"
T = TypeVar("T")


class PasswordPoolBusy(Exception):
    """Too many logins are already waiting for a password check."""


class PasswordPool:
    def __init__(self, *, workers: int = 2, max_waiting: int = 32) -> None:
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix=THREAD_PREFIX)
        self._max_waiting = max_waiting
        self._in_flight = 0

    async def run(self, work: Callable[[], T]) -> T:
        """Run ``work`` (a login check: user lookup and hash) on the pool's threads."""
        if self._in_flight >= self._max_waiting:
            raise PasswordPoolBusy()
        self._in_flight += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work)
        finally:
            self._in_flight -= 1

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; ``None`` spends the same time on a dummy hash."""
        return await self.run(lambda: check_password(password_hash, password))


def check_password(password_hash: str | None, password: str) -> bool:
    """Blocking: whether ``password`` matches ``password_hash`` (``None``: a dummy check)."""
    if password_hash is None:
        dummy_verify(password)
        return False
    return verify_password(password_hash, password)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
