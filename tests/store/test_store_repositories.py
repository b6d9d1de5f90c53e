"""Repository contract, run on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.domain import DeliveryStatus
from bot.core.enums import EventKind
from bot.store.conversations import ConversationRepository, MessageRepository
from bot.store.db import transaction
from bot.store.ledger import EventLog
from bot.store.portfolio import DebtorRecord, DebtRecord, PortfolioRepository
from bot.store.tables import Contact, Conversation, Debt, Debtor, Event, Message

BRT = timezone(timedelta(hours=-3))
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=BRT)
MARIA = DebtorRecord(
    ref="D-1",
    name="Maria Souza",
    language="pt",
    document="529.982.247-25",
    phone="+5511990000001",
    telegram_chat_id="123456",
)
FRIDGE = DebtRecord(
    ref="C-1", description="Geladeira", amount=Decimal("600.00"), due=date(2026, 11, 10)
)


def add_maria(session: Session) -> Debtor:
    debtor, _ = PortfolioRepository(session).upsert_debtor(MARIA, NOW)
    PortfolioRepository(session).upsert_debt(debtor, FRIDGE, NOW)
    return debtor


def add_conversation(db: sessionmaker[Session]) -> int:
    with transaction(db) as session:
        add_maria(session)
        contact = PortfolioRepository(session).contact("whatsapp", MARIA.phone or "")
        assert contact is not None
        return ConversationRepository(session).for_contact(contact, NOW, "pt").id


def count(db: sessionmaker[Session], model: type) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# --- portfolio -------------------------------------------------------------------------------


def test_upsert_debtor_and_debt_is_idempotent(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        repo = PortfolioRepository(session)
        debtor, created = repo.upsert_debtor(MARIA, NOW)
        assert created
        assert repo.upsert_debt(debtor, FRIDGE, NOW)
    with transaction(db) as session:
        repo = PortfolioRepository(session)
        debtor, changed = repo.upsert_debtor(MARIA, NOW + timedelta(hours=1))
        assert not changed
        assert not repo.upsert_debt(debtor, FRIDGE, NOW + timedelta(hours=1))
        channels = sorted(c.channel for c in repo.contacts_of(debtor.id))
        assert channels == ["sms", "telegram", "whatsapp"]
    assert count(db, Debtor) == 1
    assert count(db, Debt) == 1
    assert count(db, Contact) == 3


def test_upsert_reports_a_real_change(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        add_maria(session)
    later = NOW + timedelta(days=1)
    with transaction(db) as session:
        repo = PortfolioRepository(session)
        renamed = DebtorRecord(ref="D-1", name="Maria S. Souza", phone=MARIA.phone)
        debtor, changed = repo.upsert_debtor(renamed, later)
        assert changed
        assert debtor.updated_at == later
        bigger = DebtRecord(
            ref="C-1", description="Geladeira", amount=Decimal("650.00"), due=FRIDGE.due
        )
        assert repo.upsert_debt(debtor, bigger, later)
    with db() as session:
        debt = PortfolioRepository(session).debt_by_ref("C-1")
        assert debt is not None
        assert debt.amount == Decimal("650.00")
        debtor = session.get(Debtor, debt.debtor_id)
        assert debtor is not None
        assert debtor.name == "Maria S. Souza"
        assert debtor.document == MARIA.document  # an absent value never erases one


def test_a_debt_never_moves_to_another_debtor(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        add_maria(session)
    with transaction(db) as session:
        repo = PortfolioRepository(session)
        other, _ = repo.upsert_debtor(DebtorRecord(ref="D-2", name="João"), NOW)
        with pytest.raises(ValueError, match="C-1"):
            repo.upsert_debt(other, FRIDGE, NOW)


def test_a_payment_is_recorded_once(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        add_maria(session)
    for _ in range(2):
        with transaction(db) as session:
            repo = PortfolioRepository(session)
            debt = repo.debt_by_ref("C-1")
            assert debt is not None
            repo.record_payment(
                debt, Decimal("600.00"), NOW, source="import", dedupe_key="p-1", now=NOW
            )
    with db() as session:
        debt = PortfolioRepository(session).debt_by_ref("C-1")
        assert debt is not None
        assert (debt.paid, debt.status) == (Decimal("600.00"), "paid")


# --- column types ----------------------------------------------------------------------------

AMOUNTS = ["0.01", "0.10", "1.99", "1234.56", "999999999.99", "92233720368547758.07"]


@pytest.mark.parametrize("amount", AMOUNTS)
def test_money_roundtrips_exactly(db: sessionmaker[Session], amount: str) -> None:
    with transaction(db) as session:
        debtor, _ = PortfolioRepository(session).upsert_debtor(MARIA, NOW)
        record = DebtRecord(ref="C-9", description="", amount=Decimal(amount), due=FRIDGE.due)
        PortfolioRepository(session).upsert_debt(debtor, record, NOW)
    with db() as session:
        debt = PortfolioRepository(session).debt_by_ref("C-9")
        assert debt is not None
        assert debt.amount == Decimal(amount)
        assert str(debt.amount) == amount
        cents = session.scalar(text("SELECT amount FROM debts WHERE ref = 'C-9'"))
        assert cents == int(Decimal(amount) * 100)  # integer cents in the database


def test_money_refuses_a_float(db: sessionmaker[Session]) -> None:
    with db() as session:
        debtor, _ = PortfolioRepository(session).upsert_debtor(MARIA, NOW)
        session.add(
            Debt(
                debtor_id=debtor.id,
                ref="F",
                description="",
                amount=0.1,
                due_date=FRIDGE.due,
                paid=Decimal(0),
                status="open",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        with pytest.raises(StatementError, match="float"):
            session.flush()


def test_aware_datetime_comes_back_in_utc(db: sessionmaker[Session]) -> None:
    instant = datetime(2026, 11, 23, 23, 59, 59, 123456, tzinfo=BRT)
    with transaction(db) as session:
        debtor, _ = PortfolioRepository(session).upsert_debtor(MARIA, instant)
        debtor_id = debtor.id
    with db() as session:
        row = session.get(Debtor, debtor_id)
        assert row is not None
        assert row.created_at == instant
        assert row.created_at.tzinfo is UTC
        assert row.created_at == datetime(2026, 11, 24, 2, 59, 59, 123456, tzinfo=UTC)


def test_aware_datetime_refuses_naive(db: sessionmaker[Session]) -> None:
    with db() as session:
        session.add(
            Debtor(
                ref="N",
                name="Naive",
                language="pt",
                created_at=datetime(2026, 1, 1),  # noqa: DTZ001
                updated_at=NOW,
            )
        )  # noqa: DTZ001
        with pytest.raises(StatementError, match="naive"):
            session.flush()


def test_aware_datetime_compares_across_offsets(db: sessionmaker[Session]) -> None:
    conversation_id = add_conversation(db)
    with transaction(db) as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        MessageRepository(session).queue_outbound(conversation, text="oi", at=NOW)
    in_utc = NOW.astimezone(UTC)
    with db() as session:
        repo = MessageRepository(session)
        assert len(repo.due_outbox(in_utc)) == 1
        assert repo.due_outbox(in_utc - timedelta(seconds=1)) == []


# --- conversations and messages --------------------------------------------------------------


def test_one_conversation_per_contact(db: sessionmaker[Session]) -> None:
    first = add_conversation(db)
    assert add_conversation(db) == first
    assert count(db, Conversation) == 1


def test_insert_inbound_returns_none_for_a_repeated_provider_id(db: sessionmaker[Session]) -> None:
    conversation_id = add_conversation(db)
    with transaction(db) as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        repo = MessageRepository(session)
        first = repo.insert_inbound(
            conversation, channel="whatsapp", provider_id="SM1", text="oi", at=NOW
        )
        assert first is not None
    with transaction(db) as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        repo = MessageRepository(session)
        assert repo.inbound_seen("whatsapp", "SM1")
        again = repo.insert_inbound(
            conversation, channel="whatsapp", provider_id="SM1", text="oi de novo", at=NOW
        )
        assert again is None
        # the transaction is still usable, and the same id on another channel is another message
        other = repo.insert_inbound(
            conversation, channel="telegram", provider_id="SM1", text="oi", at=NOW
        )
        assert other is not None
    with db() as session:
        texts = [m.text for m in MessageRepository(session).history(conversation_id)]
    assert texts == ["oi", "oi"]


def test_insert_inbound_rolls_back_with_its_transaction(db: sessionmaker[Session]) -> None:
    """The inbound row goes with its transaction (pysqlite must not commit it on its own)."""
    conversation_id = add_conversation(db)
    with db() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        stored = MessageRepository(session).insert_inbound(
            conversation, channel="whatsapp", provider_id="SM2", text="oi", at=NOW
        )
        assert stored is not None
        session.rollback()
    assert count(db, Message) == 0


def queue_one(db: sessionmaker[Session]) -> int:
    conversation_id = add_conversation(db)
    with transaction(db) as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        return MessageRepository(session).queue_outbound(conversation, text="oi", at=NOW)


def test_claim_has_one_winner(db: sessionmaker[Session]) -> None:
    message_id = queue_one(db)
    racers = 4
    start = threading.Barrier(racers)

    def race(_: int) -> bool:
        start.wait()
        with transaction(db) as session:
            return MessageRepository(session).claim(message_id, NOW, timedelta(minutes=1))

    with ThreadPoolExecutor(racers) as pool:
        results = list(pool.map(race, range(racers)))
    assert sorted(results) == [False] * (racers - 1) + [True]
    with transaction(db) as session:
        repo = MessageRepository(session)
        assert not repo.claim(message_id, NOW + timedelta(seconds=59), timedelta(minutes=1))
        # the lease ran out (the sender died): another sender may take it
        assert repo.claim(message_id, NOW + timedelta(minutes=1), timedelta(minutes=1))
    with db() as session:
        message = session.get(Message, message_id)
        assert message is not None
        assert message.attempts == 2


def test_a_sent_message_cannot_be_claimed(db: sessionmaker[Session]) -> None:
    message_id = queue_one(db)
    with transaction(db) as session:
        MessageRepository(session).mark_sent(message_id, "SM-out", NOW)
    with transaction(db) as session:
        repo = MessageRepository(session)
        assert not repo.claim(message_id, NOW + timedelta(hours=1), timedelta(minutes=1))
        assert repo.due_outbox(NOW + timedelta(hours=1)) == []
        found = repo.by_provider_id("whatsapp", "SM-out")
        assert found is not None
        assert found.id == message_id


S = DeliveryStatus


@pytest.mark.parametrize(
    ("callbacks", "final"),
    [
        ([S.SENT, S.DELIVERED, S.READ], S.READ),
        ([S.DELIVERED, S.SENT], S.DELIVERED),
        ([S.READ, S.DELIVERED, S.SENT], S.READ),
        ([S.SENT, S.UNDELIVERED], S.UNDELIVERED),
        ([S.DELIVERED, S.FAILED], S.FAILED),
        ([S.FAILED, S.READ], S.FAILED),
        ([S.FAILED, S.SENT], S.FAILED),
    ],
)
def test_apply_status_never_moves_back(
    db: sessionmaker[Session], callbacks: list[DeliveryStatus], final: DeliveryStatus
) -> None:
    message_id = queue_one(db)
    with transaction(db) as session:
        MessageRepository(session).mark_sent(message_id, "SM-out", NOW)
    for minutes, status in enumerate(callbacks, start=1):
        with transaction(db) as session:
            repo = MessageRepository(session)
            message = repo.by_provider_id("whatsapp", "SM-out")
            assert message is not None
            before = message.status
            moved = repo.apply_status(message, status, NOW + timedelta(minutes=minutes))
            assert moved == (before != status and message.status == status)
    with db() as session:
        message = session.get(Message, message_id)
        assert message is not None
        assert message.status == final
        if S.READ in callbacks and final == S.READ:
            assert message.read_at is not None
            assert message.delivered_at is not None


def test_a_late_delivered_keeps_the_first_time(db: sessionmaker[Session]) -> None:
    message_id = queue_one(db)
    with transaction(db) as session:
        message = session.get(Message, message_id)
        assert message is not None
        repo = MessageRepository(session)
        assert repo.apply_status(message, S.READ, NOW + timedelta(minutes=2))
        assert not repo.apply_status(message, S.DELIVERED, NOW + timedelta(minutes=5))
    with db() as session:
        message = session.get(Message, message_id)
        assert message is not None
        assert message.delivered_at == NOW + timedelta(minutes=2)


# --- event log -------------------------------------------------------------------------------


def test_event_log_appends_in_order(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        debtor_id = add_maria(session).id
    with transaction(db) as session:
        log = EventLog(session)
        log.append(
            EventKind.OFFERS_PRESENTED,
            at=NOW + timedelta(minutes=1),
            debtor_id=debtor_id,
            data={"offers": ["full_no_fees", "three_x"]},
        )
        log.append(
            EventKind.PROMISE_RECORDED,
            at=NOW,
            debtor_id=debtor_id,
            data={"due": "2026-11-27", "amount": "600.00", "note": "vou pagar sexta ç"},
        )
    with transaction(db) as session:
        EventLog(session).append(
            EventKind.OPT_OUT, at=NOW + timedelta(minutes=2), actor="debtor", debtor_id=debtor_id
        )
    with db() as session:
        events = EventLog(session).for_debtor(debtor_id)
        kinds = [e.kind for e in events]
        assert kinds == ["promise_recorded", "offers_presented", "opt_out"]  # the stored strings
        assert events[0].data == {
            "due": "2026-11-27",
            "amount": "600.00",
            "note": "vou pagar sexta ç",
        }
        assert events[1].data["offers"] == ["full_no_fees", "three_x"]
        assert (events[2].actor, events[2].data) == ("debtor", {})
        assert all(e.at.tzinfo is UTC for e in events)
    assert count(db, Event) == 3


def test_event_log_refuses_a_kind_outside_the_enum(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        debtor_id = add_maria(session).id
    with pytest.raises(ValueError, match="offer_shown"), transaction(db) as session:
        EventLog(session).append("offer_shown", at=NOW, debtor_id=debtor_id)  # type: ignore[arg-type]
    assert count(db, Event) == 0


def test_engine_fixture_starts_empty(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM debtors")) == 0
