"""The outbox sender on SQLite and PostgreSQL: retries, backoff, order, exactly once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.recording import RecordingChannel
from bot.config import Settings
from bot.core.clock import FixedClock
from bot.core.domain import DeliveryStatus, OutboundMessage, SendResult
from bot.outbox.sender import OutboxSender, backoff_seconds, requeue_as_template
from bot.runtime.ports import SendError
from bot.store.conversations import ConversationRepository, MessageRepository
from bot.store.db import make_engine, make_sessionmaker, transaction, upgrade
from bot.store.tables import Contact, Message
from tests.outbox.fakes import FakeSleep

SETTINGS = Settings(channels={"send_max_attempts": 4, "send_backoff_seconds": 2.0})


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


def conversation(
    db: sessionmaker[Session],
    clock: FixedClock,
    *,
    channel: str = "test",
    address: str = "+5511990000001",
    last_inbound_hours: float | None = 1.0,
) -> int:
    with transaction(db) as session:
        last = None
        if last_inbound_hours is not None:
            last = clock.now() - timedelta(hours=last_inbound_hours)
        contact = Contact(
            channel=channel, address=address, created_at=clock.now(), last_inbound_at=last
        )
        session.add(contact)
        session.flush()
        return ConversationRepository(session).for_contact(contact, clock.now(), "pt").id


def queue(
    db: sessionmaker[Session],
    conversation_id: int,
    clock: FixedClock,
    *texts: str,
    template: str | None = None,
    business_initiated: bool = False,
) -> list[int]:
    with transaction(db) as session:
        repo = MessageRepository(session)
        row = ConversationRepository(session).get(conversation_id)
        assert row is not None
        return [
            repo.queue_outbound(
                row,
                text=text,
                at=clock.now(),
                template=template,
                business_initiated=business_initiated,
                extra={
                    "buttons": [{"title": "Sim", "payload": "yes"}],
                    "template_vars": {"1": "Maria"},
                },
            )
            for text in texts
        ]


def rows(db: sessionmaker[Session]) -> list[Message]:
    with transaction(db) as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def sender(
    db: sessionmaker[Session],
    channel: object,
    clock: FixedClock,
    sleep: FakeSleep,
    settings: Settings = SETTINGS,
) -> OutboxSender:
    name = getattr(channel, "name", "test")
    return OutboxSender(db, {name: channel}, settings, clock=clock, sleep=sleep)  # type: ignore[dict-item]


async def test_sends_in_order_and_marks_sent(
    db: sessionmaker[Session], clock: FixedClock, fake_sleep: FakeSleep
) -> None:
    conv = conversation(db, clock)
    queue(db, conv, clock, "um", "dois", "três")
    channel = RecordingChannel()
    assert await sender(db, channel, clock, fake_sleep).drain() == 3
    assert channel.texts() == ["um", "dois", "três"]
    assert channel.sent[0].buttons[0].payload == "yes"
    assert channel.sent[0].template is None  # only WhatsApp outside the window
    assert [(r.status, r.provider_id, r.attempts) for r in rows(db)] == [
        ("sent", "test-1", 1),
        ("sent", "test-2", 1),
        ("sent", "test-3", 1),
    ]
    assert await sender(db, channel, clock, fake_sleep).drain() == 0


async def test_transient_errors_back_off_then_deliver_once(
    db: sessionmaker[Session], clock: FixedClock, fake_sleep: FakeSleep
) -> None:
    conv = conversation(db, clock)
    [first, second] = queue(db, conv, clock, "a", "b")
    channel = RecordingChannel(
        failures=[
            SendError("500", transient=True),
            SendError("429", transient=True, retry_after=30),
        ]
    )
    outbox = sender(db, channel, clock, fake_sleep)
    assert await outbox.drain() == 0  # a failed; b waits behind it (order)
    [a, b] = rows(db)
    assert (a.status, a.attempts, a.next_attempt_at) == (
        "queued",
        1,
        clock.now() + timedelta(seconds=2),
    )
    assert (b.status, b.attempts) == ("queued", 0)
    clock.advance(timedelta(seconds=2))
    assert await outbox.drain() == 0  # 429: Retry-After 30 beats the 4 s backoff
    assert rows(db)[0].next_attempt_at == clock.now() + timedelta(seconds=30)
    clock.advance(timedelta(seconds=29))
    assert await outbox.drain() == 0
    clock.advance(timedelta(seconds=1))
    assert await outbox.drain() == 2
    assert channel.texts() == ["a", "b"]
    assert [r.status for r in rows(db)] == ["sent", "sent"]
    assert fake_sleep.pauses == []  # nobody slept through a backoff


async def test_gives_up_after_max_attempts(
    db: sessionmaker[Session], clock: FixedClock, fake_sleep: FakeSleep
) -> None:
    conv = conversation(db, clock)
    queue(db, conv, clock, "a")
    channel = RecordingChannel(failures=[SendError("down", transient=True, code="500")] * 10)
    outbox = sender(db, channel, clock, fake_sleep)
    for _ in range(6):
        await outbox.drain()
        clock.advance(timedelta(minutes=20))
    [row] = rows(db)
    assert (row.status, row.attempts, row.error) == ("failed", 4, "500: down")
    assert channel.attempts == 4


async def test_permanent_error_fails_at_once(
    db: sessionmaker[Session], clock: FixedClock, fake_sleep: FakeSleep
) -> None:
    conv = conversation(db, clock)
    queue(db, conv, clock, "a", "b")
    channel = RecordingChannel(failures=[SendError("blocked", transient=False, code="403")])
    assert await sender(db, channel, clock, fake_sleep).drain() == 1
    assert [(r.status, r.error) for r in rows(db)] == [("failed", "403: blocked"), ("sent", None)]


def test_backoff_is_exponential_capped_and_honours_retry_after() -> None:
    assert [backoff_seconds(n, 2.0) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert backoff_seconds(30, 2.0) == 900.0
    assert backoff_seconds(1, 2.0, retry_after=60) == 60


class SlowChannel:
    """Records sends and yields to the loop mid-send, so two senders really overlap."""

    name = "test"

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []

    async def send(self, message: OutboundMessage) -> SendResult:
        await asyncio.sleep(0.001)
        self.sent.append(message)
        return SendResult(provider_id=f"p-{message.message_id}")


async def test_two_senders_draining_together_send_each_message_once(
    db: sessionmaker[Session], clock: FixedClock, fake_sleep: FakeSleep
) -> None:
    ids = []
    for n in range(8):
        conv = conversation(db, clock, address=f"+55119900000{n:02d}")
        ids += queue(db, conv, clock, *[f"{n}-{i}" for i in range(5)])
    channel = SlowChannel()
    counts = await asyncio.gather(
        sender(db, channel, clock, fake_sleep).drain(),
        sender(db, channel, clock, fake_sleep).drain(),
        sender(db, channel, clock, fake_sleep).drain(),
    )
    assert sum(counts) == len(ids) == 40
    assert sorted(m.message_id for m in channel.sent if m.message_id) == sorted(ids)
    assert all(r.status == "sent" and r.attempts == 1 for r in rows(db))
    for n in range(8):  # each conversation still in order
        mine = [m.text for m in channel.sent if m.text.startswith(f"{n}-")]
        assert mine == [f"{n}-{i}" for i in range(5)]


async def test_whatsapp_outside_the_window_goes_as_template(
    db: sessionmaker[Session], clock: FixedClock, fake_sleep: FakeSleep
) -> None:
    inside = conversation(db, clock, channel="whatsapp", address="+551", last_inbound_hours=2)
    outside = conversation(db, clock, channel="whatsapp", address="+552", last_inbound_hours=30)
    never = conversation(db, clock, channel="whatsapp", address="+553", last_inbound_hours=None)
    queue(db, inside, clock, "free text", template="overdue", business_initiated=True)
    queue(db, outside, clock, "reminder", template="overdue", business_initiated=True)
    queue(db, never, clock, "agent reply")  # no template to fall back to
    channel = RecordingChannel("whatsapp")
    assert await sender(db, channel, clock, fake_sleep).drain() == 2
    sent = sorted(channel.sent, key=lambda m: m.address)
    assert [(m.address, m.template) for m in sent] == [("+551", None), ("+552", "overdue")]
    assert sent[1].template_vars == {"1": "Maria"}
    failed = rows(db)[2]
    assert failed.status == "failed"
    assert "24-hour window" in (failed.error or "")


async def test_error_63016_resends_as_template(
    db: sessionmaker[Session], clock: FixedClock, fake_sleep: FakeSleep
) -> None:
    conv = conversation(db, clock, channel="whatsapp", last_inbound_hours=23.9)
    queue(db, conv, clock, "olá", template="overdue", business_initiated=True)
    channel = RecordingChannel(
        "whatsapp", failures=[SendError("outside window", transient=False, code="63016")]
    )
    assert await sender(db, channel, clock, fake_sleep).drain() == 1
    assert [m.template for m in channel.sent] == ["overdue"]
    assert rows(db)[0].status == "sent"


async def test_requeue_after_a_63016_status(
    db: sessionmaker[Session], clock: FixedClock, fake_sleep: FakeSleep
) -> None:
    conv = conversation(db, clock, channel="whatsapp", last_inbound_hours=1)
    [message_id] = queue(db, conv, clock, "olá", template="overdue", business_initiated=True)
    channel = RecordingChannel("whatsapp")
    await sender(db, channel, clock, fake_sleep).drain()
    with transaction(db) as session:
        row = session.get(Message, message_id)
        assert row is not None
        row.status = DeliveryStatus.FAILED  # what record_status does with the callback
        assert requeue_as_template(session, message_id, clock.now())
    await sender(db, channel, clock, fake_sleep).drain()
    assert [m.template for m in channel.sent] == [None, "overdue"]
    with transaction(db) as session:
        assert not requeue_as_template(session, message_id, clock.now())  # only once


async def test_opted_out_contact_gets_no_business_message(
    db: sessionmaker[Session], clock: FixedClock, fake_sleep: FakeSleep
) -> None:
    conv = conversation(db, clock)
    queue(db, conv, clock, "lembrete", business_initiated=True)
    queue(db, conv, clock, "ok, não enviaremos mais")
    with transaction(db) as session:
        contact = session.scalars(select(Contact)).one()
        contact.opted_out = True
    channel = RecordingChannel()
    assert await sender(db, channel, clock, fake_sleep).drain() == 1
    assert channel.texts() == ["ok, não enviaremos mais"]


async def test_rate_limit_per_telegram_chat_waits_on_the_injected_sleep(
    db: sessionmaker[Session], clock: FixedClock, fake_sleep: FakeSleep
) -> None:
    conv = conversation(db, clock, channel="telegram", address="777")
    queue(db, conv, clock, *[str(i) for i in range(6)])
    channel = RecordingChannel("telegram")
    await sender(db, channel, clock, fake_sleep).drain()
    assert channel.texts() == [str(i) for i in range(6)]
    assert fake_sleep.pauses == [1.0, 1.0, 1.0]  # a burst of 3, then 1 per second


async def test_unknown_channel_fails_clearly(
    db: sessionmaker[Session], clock: FixedClock, fake_sleep: FakeSleep
) -> None:
    conv = conversation(db, clock, channel="sms")
    queue(db, conv, clock, "x")
    await sender(db, RecordingChannel("test"), clock, fake_sleep).drain()
    assert rows(db)[0].error == "channel 'sms' is not configured"


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(2000):  # a bound so a broken sender fails the test instead of hanging it
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the sender never got there")


async def test_run_sends_what_it_is_handed_without_a_wake(
    db: sessionmaker[Session], clock: FixedClock, fake_sleep: FakeSleep
) -> None:
    """A turn's replies are handed to the sender (``notify``): it sends them although
    nobody set ``wake`` and its next full look at the outbox is an hour away."""
    conv = conversation(db, clock)
    channel = RecordingChannel()
    outbox = sender(db, channel, clock, fake_sleep)
    wake = asyncio.Event()
    loop = asyncio.create_task(outbox.run(wake, idle_seconds=3600))
    try:
        await asyncio.sleep(0.05)  # its first full look found nothing
        first = queue(db, conv, clock, "um", "dois")
        outbox.notify(first)
        await _until(lambda: [r.id for r in rows(db) if r.status == "sent"] == first)
        assert channel.texts() == ["um", "dois"]
        late = queue(db, conv, clock, "três")  # not handed over: a wake finds it
        wake.set()
        await _until(lambda: [r.id for r in rows(db) if r.status == "sent"] == [*first, *late])
        assert channel.texts() == ["um", "dois", "três"]
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop


async def test_routed_replies_go_without_a_look_at_the_outbox(
    db: sessionmaker[Session], engine: Engine, clock: FixedClock, fake_sleep: FakeSleep
) -> None:
    """Replies handed over with their route (a turn knows its chat's address) are claimed
    at once, in order, with no due query; a route whose message another sender already
    sent is claimed by nobody: it is not sent twice."""
    from sqlalchemy import event

    conv = conversation(db, clock)
    channel = RecordingChannel()
    outbox = sender(db, channel, clock, fake_sleep)
    wake = asyncio.Event()
    loop = asyncio.create_task(outbox.run(wake, idle_seconds=3600))
    selects: list[str] = []

    def seen(_c: object, _cur: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    try:
        await asyncio.sleep(0.05)  # its first full look found nothing
        ids = queue(db, conv, clock, "um", "dois")
        route = (conv, "test", "+5511990000001")
        event.listen(engine, "before_cursor_execute", seen)
        outbox.notify(ids, {i: route for i in ids})
        await _until(lambda: [r.id for r in rows(db) if r.status == "sent"] == ids)
        event.remove(engine, "before_cursor_execute", seen)
        assert channel.texts() == ["um", "dois"]
        # no look for due messages (the claim itself is an UPDATE)
        assert not [s for s in selects if "next_attempt_at <=" in s], selects
        outbox.notify(ids, {i: route for i in ids})  # handed over again: already sent
        await asyncio.sleep(0.1)
        assert channel.texts() == ["um", "dois"]
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop


async def test_a_reminder_a_payment_overtook_is_not_sent_and_a_reply_beside_it_is(
    db: sessionmaker[Session], clock: FixedClock, fake_sleep: FakeSleep
) -> None:
    """A reminder held (contact hours) while the debtor paid must not chase a paid debt;
    the claim's check runs for reminders only, in the claim's own transaction."""
    from decimal import Decimal

    from bot.store.tables import Payment, ReminderSend
    from tests.store.test_store_repositories import add_maria

    conv = conversation(db, clock)
    with transaction(db) as session:
        debtor_id = add_maria(session).id
        row = ConversationRepository(session).get(conv)
        assert row is not None
        row.debtor_id = debtor_id
    paid_for, still_owed = queue(
        db, conv, clock, "lembrete 1", "lembrete 2", business_initiated=True
    )
    [reply] = queue(db, conv, clock, "resposta")
    with transaction(db) as session:
        for message_id in (paid_for, still_owed):
            session.add(
                ReminderSend(
                    debtor_id=debtor_id,
                    idempotency_key=f"reminder-{message_id}",
                    template="overdue",
                    message_id=message_id,
                    created_at=clock.now(),
                )
            )
    channel = RecordingChannel()
    assert await sender(db, channel, clock, fake_sleep).drain() == 3
    assert channel.texts() == ["lembrete 1", "lembrete 2", "resposta"]  # nothing paid yet

    late = queue(db, conv, clock, "lembrete 3", business_initiated=True)[0]
    with transaction(db) as session:
        session.add(
            ReminderSend(
                debtor_id=debtor_id,
                idempotency_key="reminder-late",
                template="overdue",
                message_id=late,
                created_at=clock.now(),
            )
        )
        session.add(
            Payment(
                debtor_id=debtor_id,
                amount=Decimal("100.00"),
                paid_at=clock.now(),
                source="pix",
                dedupe_key="pix-1",
                created_at=clock.now(),
            )
        )
    after = queue(db, conv, clock, "obrigada pelo pagamento")[0]
    await sender(db, channel, clock, fake_sleep).drain()
    assert channel.texts()[3:] == ["obrigada pelo pagamento"]
    status = {r.id: (r.status, r.error) for r in rows(db)}
    assert status[late][0] == DeliveryStatus.FAILED
    assert "payment arrived after this reminder" in (status[late][1] or "")
    assert status[after][0] == DeliveryStatus.SENT
