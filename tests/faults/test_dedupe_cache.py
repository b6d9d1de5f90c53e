"""Item 9: the embedded de-duplication cache stays bounded and O(1) per message.

It used to rebuild its whole map on the event loop on every message past 100k keys
(about 20 ms a message with 100k live keys).
"""

from __future__ import annotations

import time

from bot.runtime.memory import MemoryDeduper


async def test_dedupe_per_message_cost_stays_flat_past_100k_keys() -> None:
    deduper = MemoryDeduper()
    for n in range(100_000):
        assert await deduper.first_time(f"twilio:SM{n}")
    started = time.perf_counter()
    for n in range(100_000, 100_200):
        assert await deduper.first_time(f"twilio:SM{n}")
    per_message_ms = (time.perf_counter() - started) * 1000 / 200
    assert per_message_ms < 0.5, f"{per_message_ms:.3f} ms per message"
    assert not await deduper.first_time("twilio:SM5"), "a recent redelivery is still caught"


async def test_dedupe_is_bounded_evicting_the_oldest() -> None:
    deduper = MemoryDeduper(max_keys=1000)
    for n in range(5000):
        await deduper.first_time(f"k{n}")
    assert len(deduper) == 1000
    assert not await deduper.first_time("k4999")
    assert await deduper.first_time("k0"), "the oldest key was evicted"


async def test_dedupe_expires_keys_from_the_front() -> None:
    now = [0.0]
    deduper = MemoryDeduper(clock=lambda: now[0])
    for n in range(100):
        await deduper.first_time(f"k{n}", ttl_seconds=60)
    now[0] = 30.0
    assert not await deduper.first_time("k1", ttl_seconds=60)
    now[0] = 61.0
    await deduper.first_time("fresh", ttl_seconds=60)
    await deduper.first_time("fresh2", ttl_seconds=60)
    assert len(deduper) == 2, "expired keys are dropped as new ones arrive"
    assert await deduper.first_time("k1"), "an expired key counts as new again"
