"""The ways a Pix reaches Quita: the PSP's webhook, the periodic sync, ``quita payments sync``.

Nothing in a notification is believed: each ``endToEndId`` is fetched back from the PSP
(``GET /pix/{e2eid}``) and only what the PSP answers is counted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from bot.channels.base import MediaSource
from bot.config import Settings
from bot.conversation.turns import TurnDeps
from bot.core.clock import Clock
from bot.payments.charges import expire_charges
from bot.payments.confirm import PixResult, record_pix
from bot.payments.pix_api import PixApiError, ReceivedPix
from bot.payments.provider import PixChargeProvider
from bot.payments.receipts import ChannelMediaFetcher, ReceiptReview, review_receipts


class PaymentsHost(Protocol):
    """What the payment ways need from the wiring (``bot.runtime.service.PaymentsHost`` is one)."""

    settings: Settings
    clock: Clock
    deps: TurnDeps

    @property
    def live(self) -> Publisher: ...

    @property
    def channels(self) -> Mapping[str, object]: ...

    def in_transaction(self, work: Callable[[Session], T]) -> T: ...


class Publisher(Protocol):
    async def publish(self, topic: str, data: dict[str, object]) -> None: ...


log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_PIX_PER_NOTIFICATION = 500


class MalformedNotification(ValueError):
    """The body is not ``{"pix": [{"endToEndId": ...}, ...]}``."""


@dataclass
class PixReport:
    """What a notification or a sync did, by outcome."""

    results: list[PixResult] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # the PSP does not know these

    def as_dict(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for result in self.results:
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
        return {"counted": counts, "rejected": len(self.rejected)}


def pix_provider(runtime: PaymentsHost) -> PixChargeProvider | None:
    provider = runtime.deps.payments
    return provider if isinstance(provider, PixChargeProvider) else None


def receipt_media(
    runtime: PaymentsHost, loop: asyncio.AbstractEventLoop | None
) -> ChannelMediaFetcher:
    """Receipts are downloaded by the channel they came by, when it can (``MediaSource``)."""
    sources = {
        name: channel
        for name, channel in runtime.channels.items()
        if isinstance(channel, MediaSource)
    }
    return ChannelMediaFetcher(sources, loop)


def notified_ids(payload: Any) -> list[str]:
    """The endToEndIds of a notification; everything else in it is ignored."""
    if not isinstance(payload, dict) or not isinstance(payload.get("pix"), list):
        raise MalformedNotification('expected {"pix": [...]}')
    items = payload["pix"]
    if len(items) > MAX_PIX_PER_NOTIFICATION:
        raise MalformedNotification("too many Pix in one notification")
    ids: list[str] = []
    for item in items:
        e2eid = item.get("endToEndId") if isinstance(item, dict) else None
        if not isinstance(e2eid, str) or not e2eid.isalnum() or len(e2eid) > 40:
            raise MalformedNotification("every Pix needs an alphanumeric endToEndId")
        ids.append(e2eid)
    return list(dict.fromkeys(ids))


def _record(runtime: PaymentsHost, pix: ReceivedPix, source: str) -> PixResult:
    now = runtime.clock.now()
    return runtime.in_transaction(
        lambda s: record_pix(s, pix, source=source, now=now, deps=runtime.deps)
    )


async def receive_notification(runtime: PaymentsHost, payload: Any) -> PixReport:
    """The webhook's work. ``PixApiError`` (PSP unreachable) propagates: the route answers
    503 so the PSP delivers again later."""
    provider = pix_provider(runtime)
    if provider is None:
        raise MalformedNotification("payments.provider is not bacen_pix")
    report = PixReport()
    for e2eid in notified_ids(payload):
        pix = await asyncio.to_thread(provider.api.get_pix, e2eid)
        if pix is None or pix.end_to_end_id != e2eid:
            log.warning("pix notification not confirmed by the PSP")
            report.rejected.append(e2eid)
            continue
        result = await asyncio.to_thread(_record, runtime, pix, "webhook")
        report.results.append(result)
        await _announce(runtime, result)
    return report


async def _announce(runtime: PaymentsHost, result: PixResult) -> None:
    """Open consoles and dashboards hear about a payment at once."""
    turn = result.turn
    if turn is not None and turn.conversation_id is not None:
        await runtime.live.publish(f"conversation:{turn.conversation_id}", {"kind": "payment"})
        await runtime.live.publish(
            "inbox", {"conversation_id": turn.conversation_id, "kind": "payment"}
        )
    if result.outcome not in ("duplicate",):
        await runtime.live.publish("payments", {"kind": result.outcome})


def sync_pix(runtime: PaymentsHost, since: datetime, until: datetime | None = None) -> PixReport:
    """Every Pix the PSP received in [since, until] that no webhook brought."""
    provider = pix_provider(runtime)
    if provider is None:
        raise MalformedNotification("payments.provider is not bacen_pix")
    end = until or runtime.clock.now()
    report = PixReport()
    for pix in provider.api.list_pix(since, end):
        report.results.append(_record(runtime, pix, "sync"))
    return report


def periodic_sync(
    runtime: PaymentsHost, now: datetime, *, loop: asyncio.AbstractEventLoop | None = None
) -> list[str]:
    """Run by housekeeping (embedded scheduler and ``quita worker``) every
    ``payments.sync_every_minutes``; the window overlaps, counting is idempotent. ``loop``
    is the event loop the channels run on (their downloads go there)."""
    provider = pix_provider(runtime)
    if provider is None:
        return []
    settings = runtime.settings.payments
    if provider.last_sync is not None and now - provider.last_sync < timedelta(
        minutes=settings.sync_every_minutes
    ):
        return []
    runtime.in_transaction(lambda s: expire_charges(s, now))
    try:
        report = sync_pix(runtime, now - timedelta(hours=settings.sync_lookback_hours), now)
    except PixApiError as exc:
        log.warning("pix sync failed; next pass tries again", extra={"error": str(exc)})
        return []
    provider.last_sync = now
    # a receipt's Pix may have arrived since
    reviews = review_receipts(runtime, now, fetcher=receipt_media(runtime, loop))
    return [
        f"pix:{r.end_to_end_id}:{r.outcome}" for r in report.results if r.outcome != "duplicate"
    ] + [f"receipt:{r.receipt_id}:{r.outcome}" for r in reviews if r.outcome != "waiting"]


async def review_new_receipts(runtime: PaymentsHost) -> list[ReceiptReview]:
    """Right after a turn kept a receipt: match it now, so the thank-you follows at once."""
    fetcher = receipt_media(runtime, asyncio.get_running_loop())
    reviews = await asyncio.to_thread(
        partial(review_receipts, runtime, runtime.clock.now(), fetcher=fetcher)
    )
    for review in reviews:
        if review.turn is not None:
            await _announce(runtime, PixResult(review.end_to_end_id or "", "paid", review.turn))
    return reviews
