"""Receipts (comprovantes): matched with a Pix the PSP received, or confirmed by a person.

A kept receipt puts the debtor's payment under review (``bot.conversation.effects``). Here,
with a PSP configured, Quita looks for a received Pix of the amount the receipt states (a
PDF's text layer) or of an amount the debtor was expected to pay, around the time it was
sent (``GET /pix?inicio&fim``, or ``GET /pix/{e2eid}`` when the receipt names it). Exactly
one candidate is counted and the debtor thanked; none or several, and a person decides
(``payment_needs_review`` in the event log; ``/api/receipts`` and ``quita payments
receipts`` list them). A receipt is never proof by itself: only the PSP's Pix counts.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Protocol

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.channels.base import MediaSource
from bot.conversation.effects import TurnOutcome
from bot.conversation.payments import left_to_pay
from bot.conversation.turns import TurnDeps
from bot.core.domain import Media
from bot.core.enums import EventKind
from bot.core.money import ZERO
from bot.payments.confirm import credit_debtor
from bot.payments.pix_api import PixApiError, ReceivedPix
from bot.payments.receipt_text import pdf_text, receipt_facts
from bot.store.ledger import EventLog, LedgerRepository
from bot.store.portfolio import PortfolioRepository
from bot.store.tables import (
    Debtor,
    Event,
    Message,
    PixCharge,
    PixReceived,
    Receipt,
)

if TYPE_CHECKING:
    from bot.payments.service import PaymentsHost

log = logging.getLogger(__name__)

MAX_RECEIPT_BYTES = 5 * 1024 * 1024
UNDER_REVIEW = "under_review"


class ReceiptError(ValueError):
    """A person asked for something a receipt cannot do (unknown, already decided)."""


class MediaFetcher(Protocol):
    """Downloads a receipt a channel only gave us a URL for."""

    def fetch(self, url: str) -> bytes | None: ...


class ReceiptFetcher(Protocol):
    """Downloads a receipt that came by ``channel`` (``None``: the channel is unknown)."""

    def fetch(self, channel: str | None, media: Media) -> bytes | None: ...


class HttpMediaFetcher:
    """Public ``https`` media URLs and ``data:`` URLs, at most 5 MB. Other schemes (a
    Telegram ``telegram-file:`` id) give ``None``: the receipt waits for a person."""

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self._transport = transport

    def fetch(self, url: str) -> bytes | None:
        if url.startswith("data:") and ";base64," in url:
            data = base64.b64decode(url.split(";base64,", 1)[1], validate=False)
            return data if len(data) <= MAX_RECEIPT_BYTES else None
        host = httpx.URL(url).host if url.startswith("https://") else ""
        if not host or host.endswith(".invalid"):  # RFC 2606: never resolves
            return None
        timeout = httpx.Timeout(10.0, connect=5.0)
        try:
            with (
                httpx.Client(timeout=timeout, transport=self._transport) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code != 200:
                    return None
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_RECEIPT_BYTES:
                        return None
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError as exc:
            log.info("receipt download failed", extra={"error": type(exc).__name__})
            return None


class ChannelMediaFetcher:
    """A receipt's bytes through the channel it came by (a ``MediaSource``: Telegram file
    ids, Twilio's authenticated URLs, WhatsApp media ids), else ``fallback`` (public
    ``https`` and ``data:`` URLs).

    Review runs in a worker thread while the channels' HTTP clients belong to the event
    loop, so the download is handed to ``loop`` and waited for here. Without a running
    loop (a command run outside the server) only the fallback is tried."""

    def __init__(
        self,
        sources: Mapping[str, MediaSource],
        loop: asyncio.AbstractEventLoop | None,
        *,
        fallback: MediaFetcher | None = None,
        wait_seconds: float = 40.0,
    ) -> None:
        self._sources = dict(sources)
        self._loop = loop
        self._fallback = fallback or HttpMediaFetcher()
        self._wait = wait_seconds

    def fetch(self, channel: str | None, media: Media) -> bytes | None:
        source = self._sources.get(channel or "")
        if source is not None:
            data = self._through_channel(source, media)
            if data is not None:
                return data
        return self._fallback.fetch(media.url) if media.url else None

    def _through_channel(self, source: MediaSource, media: Media) -> bytes | None:
        loop = self._loop
        if loop is None or not loop.is_running() or _running_loop() is loop:
            return None  # blocking the loop that must do the download would hang it
        future = asyncio.run_coroutine_threadsafe(source.fetch_media(media), loop)
        try:
            return future.result(timeout=self._wait)
        except concurrent.futures.TimeoutError:
            future.cancel()
            log.info("receipt download timed out")
            return None


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


@dataclass(frozen=True)
class ReceiptReview:
    """What one review pass concluded for a receipt: matched | counted_before | waiting."""

    receipt_id: int
    outcome: str
    end_to_end_id: str | None = None
    turn: TurnOutcome | None = None


# --- reading and searching (outside any transaction: network) ---------------------------


def _pending(
    session: Session, ids: list[int] | None, max_lookups: int
) -> list[tuple[Receipt, str | None]]:
    """Receipts to review, each with the channel its message came by."""
    query = (
        select(Receipt, Message.channel)
        .outerjoin(Message, Message.id == Receipt.message_id)
        .where(
            Receipt.status == UNDER_REVIEW,
            Receipt.lookups < max_lookups,
            Receipt.debtor_id.is_not(None),
        )
    )
    if ids is not None:
        query = query.where(Receipt.id.in_(ids))
    rows: list[tuple[Receipt, str | None]] = [
        (receipt, channel) for receipt, channel in session.execute(query.order_by(Receipt.id))
    ]
    session.expunge_all()
    return rows


def _read_statement(
    runtime: PaymentsHost, receipt: Receipt, channel: str | None, fetcher: ReceiptFetcher
) -> None:
    """A PDF's amount, time and E2E id, once (the first pass)."""
    if receipt.lookups > 0 or receipt.content_type != "application/pdf" or not receipt.media_url:
        return
    media = Media(kind="document", url=receipt.media_url, content_type=receipt.content_type)
    data = fetcher.fetch(channel, media)
    if not data:
        return
    facts = receipt_facts(pdf_text(data), runtime.settings.business.timezone)
    receipt.stated_amount = facts.amount
    receipt.stated_at = facts.at
    receipt.stated_end_to_end_id = facts.end_to_end_id


def _search(runtime: PaymentsHost, receipt: Receipt) -> list[ReceivedPix] | None:
    """The Pix the PSP received around the receipt; ``None`` without a PSP or when the PSP
    cannot be reached (the next pass tries again)."""
    from bot.payments.service import pix_provider

    provider = pix_provider(runtime)
    if provider is None:
        return None
    try:
        if receipt.stated_end_to_end_id:
            found = provider.api.get_pix(receipt.stated_end_to_end_id)
            if found is not None:
                return [found]
        around = receipt.stated_at or receipt.created_at
        days = timedelta(days=runtime.settings.payments.receipt_match_days)
        end = min(runtime.clock.now(), max(around, receipt.created_at) + timedelta(hours=1))
        return list(provider.api.list_pix(around - days, end))
    except PixApiError as exc:
        log.warning("receipt lookup failed; next pass tries again", extra={"error": str(exc)})
        return None


# --- deciding (inside one transaction) ---------------------------------------------------


def expected_amounts(session: Session, debtor_id: int) -> set[Decimal]:
    """Amounts this debtor had reason to pay: an open charge, the next installment, what
    is left of the agreement, a promise, a debt, the whole balance."""
    amounts = {left_to_pay(session, debtor_id)}
    for charge in session.scalars(
        select(PixCharge).where(
            PixCharge.debtor_id == debtor_id, PixCharge.status.in_(("active", "partial"))
        )
    ):
        amounts.add(charge.amount - charge.paid_amount)
    ledger = LedgerRepository(session)
    agreement = ledger.current_agreement(debtor_id)
    if agreement is not None and agreement.status == "active":
        open_rows = [r for r in ledger.installments(agreement.id) if r.status != "paid"]
        if open_rows:
            amounts.add(open_rows[0].amount)
    promise = ledger.open_promise(debtor_id)
    if promise is not None:
        amounts.add(promise.amount)
    for debt in PortfolioRepository(session).debts_of(debtor_id):
        if debt.status == "open":
            amounts.add(debt.amount - debt.paid)
    _refs, asked = _asked_for(session, debtor_id)
    amounts.add(asked)  # one purchase with its own fine and interest, from a static key
    return {a for a in amounts if a > 0}


def _asked_for(
    session: Session, debtor_id: int, before: datetime | None = None
) -> tuple[tuple[str, ...], Decimal]:
    """The debts and amount of the last payment details the debtor was sent (before
    ``before``, when given); ``()`` when they were for the whole balance or none were sent."""
    query = select(Event.data).where(
        Event.debtor_id == debtor_id, Event.kind == EventKind.PAYMENT_INSTRUCTIONS_SENT.value
    )
    if before is not None:
        query = query.where(Event.at <= before)
    data = session.scalar(query.order_by(Event.at.desc(), Event.id.desc()).limit(1))
    if not data or not data.get("debt_refs"):
        return (), ZERO
    return tuple(data["debt_refs"]), Decimal(str(data.get("amount") or "0"))


def _named_first(session: Session, receipt: Receipt, amount: Decimal) -> tuple[str, ...]:
    """The purchases a receipt pays first: those the debtor had asked to pay alone ("só o
    liquidificador") when it is not more than what was asked; else none (oldest first)."""
    assert receipt.debtor_id is not None
    refs, asked = _asked_for(session, receipt.debtor_id, receipt.created_at)
    return refs if refs and amount <= asked else ()


def _candidates(
    session: Session, receipt: Receipt, found: list[ReceivedPix]
) -> tuple[list[ReceivedPix], list[ReceivedPix]]:
    """(Pix nobody was credited with, Pix already counted for this debtor) that no other
    receipt claimed and whose amount fits."""
    debtor_id = receipt.debtor_id
    assert debtor_id is not None
    amounts = (
        {receipt.stated_amount}
        if receipt.stated_amount is not None
        else expected_amounts(session, debtor_id)
    )
    fresh, counted = [], []
    for pix in found:
        if receipt.stated_end_to_end_id and pix.end_to_end_id != receipt.stated_end_to_end_id:
            continue
        if pix.amount - pix.refunded not in amounts:
            continue
        claimed = session.scalar(
            select(Receipt.id).where(
                Receipt.end_to_end_id == pix.end_to_end_id, Receipt.id != receipt.id
            )
        )
        if claimed is not None:
            continue
        seen = session.scalar(
            select(PixReceived).where(PixReceived.end_to_end_id == pix.end_to_end_id)
        )
        if seen is None or (seen.debtor_id is None and seen.credited == 0):
            fresh.append(pix)
        elif seen.debtor_id == debtor_id:
            counted.append(pix)
    return fresh, counted


def _close_review(session: Session, debtor_id: int, now: datetime) -> None:
    """No receipt of this debtor waits any more: the debts leave review, reminders resume
    (for whatever is still owed)."""
    waiting = session.scalar(
        select(Receipt.id).where(Receipt.debtor_id == debtor_id, Receipt.status == UNDER_REVIEW)
    )
    if waiting is not None:
        return
    for debt in PortfolioRepository(session).debts_of(debtor_id):
        if debt.under_review:
            debt.under_review = False
            debt.updated_at = now
    debtor = session.get(Debtor, debtor_id)
    if debtor is not None:
        debtor.reminders_paused_until = None


def _count_matched(
    session: Session, receipt: Receipt, pix: ReceivedPix, now: datetime, deps: TurnDeps
) -> TurnOutcome | None:
    """Credit a Pix nobody had been credited with to the receipt's debtor; thank them."""
    debtor_id = receipt.debtor_id
    assert debtor_id is not None
    received = pix.amount - pix.refunded
    owed = left_to_pay(session, debtor_id)
    row = session.scalar(select(PixReceived).where(PixReceived.end_to_end_id == pix.end_to_end_id))
    if row is None:
        row = PixReceived(
            end_to_end_id=pix.end_to_end_id,
            txid=pix.txid,
            amount=pix.amount,
            refunded=pix.refunded,
            paid_at=pix.at,
            source="receipt",
            created_at=now,
        )
        session.add(row)
    row.debtor_id = debtor_id
    row.outcome = "paid" if received == owed else ("partial" if received < owed else "overpaid")
    row.review = "overpaid" if received > owed else None
    agreement = LedgerRepository(session).current_agreement(debtor_id)
    agreement_id = agreement.id if agreement is not None and agreement.status == "active" else None
    turn, row.credited = credit_debtor(
        session,
        debtor_id=debtor_id,
        agreement_id=agreement_id,
        amount=min(received, owed),
        paid_at=pix.at,
        key=f"pix:{pix.end_to_end_id}",
        source="pix",
        now=now,
        deps=deps,
        first=_named_first(session, receipt, received),
    )
    if received > owed:
        EventLog(session).append(
            EventKind.PAYMENT_NEEDS_REVIEW,
            at=now,
            actor="system",
            debtor_id=debtor_id,
            data={
                "reason": "overpaid",
                "end_to_end_id": pix.end_to_end_id,
                "excess": str(received - owed),
            },
        )
    return turn


def _decide(
    session: Session,
    read: Receipt,
    found: list[ReceivedPix] | None,
    now: datetime,
    deps: TurnDeps,
) -> ReceiptReview:
    receipt = session.get(Receipt, read.id)
    if receipt is None or receipt.status != UNDER_REVIEW or receipt.debtor_id is None:
        return ReceiptReview(read.id, "decided_elsewhere")
    receipt.stated_amount = read.stated_amount
    receipt.stated_at = read.stated_at
    receipt.stated_end_to_end_id = read.stated_end_to_end_id
    events = EventLog(session)
    fresh, counted = _candidates(session, receipt, found or [])
    if len(fresh) == 1 or (not fresh and len(counted) == 1):
        pix = fresh[0] if fresh else counted[0]
        turn = _count_matched(session, receipt, pix, now, deps) if fresh else None
        receipt.status, receipt.end_to_end_id = "matched", pix.end_to_end_id
        receipt.checked, receipt.reviewed_at = True, now
        events.append(
            EventKind.RECEIPT_MATCHED,
            at=now,
            actor="psp",
            debtor_id=receipt.debtor_id,
            data={
                "receipt_id": receipt.id,
                "end_to_end_id": pix.end_to_end_id,
                "amount": str(pix.amount),
                "counted_before": not fresh,
            },
        )
        _close_review(session, receipt.debtor_id, now)
        session.flush()
        outcome = "matched" if fresh else "counted_before"
        return ReceiptReview(receipt.id, outcome, pix.end_to_end_id, turn)
    before = receipt.lookups
    if not _has_psp(deps):  # nothing to search: a person decides at once
        receipt.lookups = deps.settings.payments.receipt_max_lookups
    elif found is not None:  # an unreachable PSP does not use up a search
        receipt.lookups += 1
    if before == 0 and receipt.lookups > 0:  # the console hears about it once
        events.append(
            EventKind.PAYMENT_NEEDS_REVIEW,
            at=now,
            actor="system",
            debtor_id=receipt.debtor_id,
            data={
                "reason": "receipt",
                "receipt_id": receipt.id,
                "stated_amount": (
                    str(receipt.stated_amount) if receipt.stated_amount is not None else None
                ),
                "candidates": len(fresh),
            },
        )
    session.flush()
    return ReceiptReview(receipt.id, "waiting")


def _has_psp(deps: TurnDeps) -> bool:
    from bot.payments.provider import PixChargeProvider

    return isinstance(deps.payments, PixChargeProvider)


def review_receipts(
    runtime: PaymentsHost,
    now: datetime,
    *,
    receipt_ids: list[int] | None = None,
    fetcher: ReceiptFetcher | None = None,
) -> list[ReceiptReview]:
    """One pass over the receipts under review (or ``receipt_ids``): read, search, decide.
    Run after a turn that kept a receipt and by the periodic Pix sync. ``fetcher``
    defaults to public ``https``/``data:`` URLs only (no channel downloads)."""
    max_lookups = runtime.settings.payments.receipt_max_lookups
    pending = runtime.in_transaction(lambda s: _pending(s, receipt_ids, max_lookups))
    if not pending:
        return []
    media = fetcher or ChannelMediaFetcher({}, None)
    reviews = []
    for receipt, channel in pending:
        _read_statement(runtime, receipt, channel, media)
        found = _search(runtime, receipt)
        decide = partial(_decide, read=receipt, found=found, now=now, deps=runtime.deps)
        reviews.append(runtime.in_transaction(decide))
    return reviews


# --- a person decides --------------------------------------------------------------------


def _open_receipt(session: Session, receipt_id: int) -> Receipt:
    receipt = session.get(Receipt, receipt_id)
    if receipt is None:
        raise ReceiptError(f"no receipt {receipt_id}")
    if receipt.status != UNDER_REVIEW:
        raise ReceiptError(f"receipt {receipt_id} is already {receipt.status}")
    if receipt.debtor_id is None:
        raise ReceiptError(f"receipt {receipt_id} has no debtor")
    return receipt


def confirm_receipt(
    session: Session,
    receipt_id: int,
    *,
    amount: Decimal | None,
    paid_at: datetime | None,
    user_id: int | None,
    now: datetime,
    deps: TurnDeps,
) -> TurnOutcome | None:
    """A person checked the receipt against the bank statement: the payment counts (once)
    and the debtor is thanked. ``amount`` defaults to what the PDF states."""
    receipt = _open_receipt(session, receipt_id)
    value = amount if amount is not None else receipt.stated_amount
    if value is None or value <= 0:
        raise ReceiptError("the receipt states no amount: give one")
    debtor_id = receipt.debtor_id
    assert debtor_id is not None
    agreement = LedgerRepository(session).current_agreement(debtor_id)
    agreement_id = agreement.id if agreement is not None and agreement.status == "active" else None
    turn, _credited = credit_debtor(
        session,
        debtor_id=debtor_id,
        agreement_id=agreement_id,
        amount=value,
        paid_at=paid_at or receipt.stated_at or receipt.created_at,
        key=f"receipt:{receipt.id}",
        source="receipt",
        now=now,
        deps=deps,
        first=_named_first(session, receipt, value),
    )
    receipt.status, receipt.checked = "confirmed", True
    receipt.reviewed_by, receipt.reviewed_at = user_id, now
    EventLog(session).append(
        EventKind.RECEIPT_CONFIRMED,
        at=now,
        actor=f"user:{user_id}" if user_id else "business",
        debtor_id=debtor_id,
        data={"receipt_id": receipt.id, "amount": str(value)},
    )
    _close_review(session, debtor_id, now)
    session.flush()
    return turn


def reject_receipt(
    session: Session, receipt_id: int, *, reason: str, user_id: int | None, now: datetime
) -> None:
    """A person found no such payment: nothing is credited and reminders resume."""
    receipt = _open_receipt(session, receipt_id)
    receipt.status, receipt.checked = "rejected", True
    receipt.reviewed_by, receipt.reviewed_at = user_id, now
    assert receipt.debtor_id is not None
    EventLog(session).append(
        EventKind.RECEIPT_REJECTED,
        at=now,
        actor=f"user:{user_id}" if user_id else "business",
        debtor_id=receipt.debtor_id,
        data={"receipt_id": receipt.id, "reason": reason[:200]},
    )
    _close_review(session, receipt.debtor_id, now)
    session.flush()


def receipts_under_review(session: Session) -> list[dict[str, object]]:
    """What the console lists: receipts a person has to decide, oldest first."""
    rows = session.execute(
        select(Receipt, Debtor.ref, Debtor.name)
        .join(Debtor, Debtor.id == Receipt.debtor_id)
        .where(Receipt.status == UNDER_REVIEW)
        .order_by(Receipt.created_at, Receipt.id)
    )
    return [
        {
            "id": receipt.id,
            "debtor_ref": ref,
            "debtor": name,
            "content_type": receipt.content_type,
            "received_at": receipt.created_at.isoformat(),
            "stated_amount": str(receipt.stated_amount) if receipt.stated_amount else None,
            "stated_at": receipt.stated_at.isoformat() if receipt.stated_at else None,
            "stated_end_to_end_id": receipt.stated_end_to_end_id,
            "lookups": receipt.lookups,
            "left_to_pay": str(left_to_pay(session, receipt.debtor_id or 0)),
        }
        for receipt, ref, name in rows
    ]
