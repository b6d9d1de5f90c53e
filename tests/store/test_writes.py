"""A turn's own rows written without the ORM's flush (``bot.store.writes``), on SQLite and
on the real PostgreSQL: the same values land as a flush would write, and the commit has
nothing left to write for them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.enums import EventKind
from bot.store.conversations import ConversationRepository
from bot.store.db import transaction
from bot.store.ledger import EventLog
from bot.store.portfolio import PortfolioRepository
from bot.store.tables import Contact, Conversation, Event
from bot.store.writes import write_changes
from tests.store.test_store_repositories import MARIA, NOW, add_conversation, add_maria


def _debtor_of(db: sessionmaker[Session], conversation_id: int) -> int:
    with transaction(db) as session:
        conversation = ConversationRepository(session).get(conversation_id)
        assert conversation is not None
        assert conversation.debtor_id is not None
        return conversation.debtor_id


def _statements(engine: Engine) -> tuple[list[str], Any]:
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", record)
    return seen, record


def test_changed_columns_are_written_at_once_and_the_commit_writes_nothing_more(
    db: sessionmaker[Session], engine: Engine
) -> None:
    conversation_id = add_conversation(db)
    later = NOW.replace(hour=12)
    state = {"stage": "identified", "facts": {"promised": "2026-11-27"}}
    seen, record = _statements(engine)
    try:
        with transaction(db) as session:
            conversation = session.get(Conversation, conversation_id)
            assert conversation is not None
            contact = session.get(Contact, conversation.contact_id)
            assert contact is not None
            contact.last_inbound_at = later
            conversation.state = state
            conversation.status = "waiting_agent"
            before = len(seen)
            write_changes(session, contact, conversation, None)
            assert seen[before:] == ["UPDATE", "UPDATE"]  # one per row, now
            before = len(seen)
            write_changes(session, contact, conversation)  # clean now: nothing again
            assert seen[before:] == []
            before = len(seen)
        assert "UPDATE" not in seen[before:]  # the commit's flush had nothing to write
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with transaction(db) as session:
        stored = session.get(Conversation, conversation_id)
        assert stored is not None
        assert (stored.state, stored.status) == (state, "waiting_agent")
        found = PortfolioRepository(session).contact("whatsapp", MARIA.phone or "")
        assert found is not None
        assert found.last_inbound_at == later


def test_new_rows_are_left_to_the_orm_and_a_rollback_undoes_the_writes(
    db: sessionmaker[Session],
) -> None:
    conversation_id = add_conversation(db)
    session = db()
    try:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        conversation.status = "closed"
        contact = Contact(channel="telegram", address="999", created_at=NOW)
        session.add(contact)
        write_changes(session, conversation, contact)  # the new contact: not ours to write
        assert contact in session.new
        EventLog(session).append(EventKind.OPT_OUT, at=NOW, conversation_id=conversation_id)
        session.rollback()
    finally:
        session.close()
    with transaction(db) as session:
        stored = ConversationRepository(session).get(conversation_id)
        assert stored is not None
        assert stored.status == "bot"
        assert session.scalars(select(Event)).all() == []
        assert PortfolioRepository(session).contact("telegram", "999") is None


def test_events_are_appended_in_order_with_their_data(db: sessionmaker[Session]) -> None:
    conversation_id = add_conversation(db)
    with transaction(db) as session:
        log = EventLog(session)
        log.append(EventKind.OPT_OUT, at=NOW, conversation_id=conversation_id, data={"a": 1})
        log.append(EventKind.CONTACT_INVALID, at=NOW, actor="agent:1")
    with transaction(db) as session:
        rows = session.scalars(select(Event).order_by(Event.id)).all()
        assert [(r.kind, r.actor, r.data) for r in rows] == [
            ("opt_out", "bot", {"a": 1}),
            ("contact_invalid", "agent:1", {}),
        ]
        assert rows[0].at == NOW
        assert rows[0].conversation_id == conversation_id


def test_a_new_promise_replaces_the_open_one_and_a_new_callback_the_pending_one(
    db: sessionmaker[Session],
) -> None:
    from datetime import date, timedelta
    from decimal import Decimal

    from bot.store.ledger import LedgerRepository
    from bot.store.tables import Promise, ScheduledContact

    conversation_id = add_conversation(db)
    debtor_id = _debtor_of(db, conversation_id)
    with transaction(db) as session:
        ledger = LedgerRepository(session)
        for n, amount in enumerate(("150.00", "450.00")):
            ledger.record_promise(
                debtor_id=debtor_id,
                conversation_id=conversation_id,
                due=date(2026, 11, 27 + n),
                amount=Decimal(amount),
                created_by="bot",
                now=NOW + timedelta(minutes=n),
            )
            ledger.schedule_contact(debtor_id, NOW + timedelta(days=n + 1), "callback", NOW)
    with transaction(db) as session:
        promises = session.scalars(select(Promise).order_by(Promise.id)).all()
        assert [(p.status, p.amount, p.created_by) for p in promises] == [
            ("replaced", Decimal("150.00"), "bot"),
            ("open", Decimal("450.00"), "bot"),
        ]
        assert promises[0].resolved_at == NOW + timedelta(minutes=1)
        open_one = LedgerRepository(session).open_promise_view(debtor_id)
        assert open_one is not None
        assert open_one.amount == Decimal("450.00")
        contacts = session.scalars(select(ScheduledContact).order_by(ScheduledContact.id)).all()
        assert [c.done_at for c in contacts] == [NOW, None]
        assert LedgerRepository(session).pending_contacts(debtor_id) == [contacts[1]]


def test_a_chat_read_from_plain_columns_is_the_orms_own_entities(
    db: sessionmaker[Session],
) -> None:
    """``ConversationRepository.chat`` builds its three rows from one plain read: they are
    persistent entities with every column as the ORM loads them, the session's own object
    when it holds one, and their changes are written like any other's."""
    conversation_id = add_conversation(db)
    columns = {
        model: [p.key for p in inspect(model).column_attrs] for model in (Contact, Conversation)
    }
    with transaction(db) as session:
        found = ConversationRepository(session).chat("whatsapp", MARIA.phone or "")
        assert found is not None
        contact, conversation, debtor = found
        assert conversation is not None
        assert debtor is not None
        with db() as other:  # the ORM's load of the same rows, elsewhere
            orm_contact = other.get(Contact, contact.id)
            orm_conversation = other.get(Conversation, conversation_id)
            for model, mine, theirs in (
                (Contact, contact, orm_contact),
                (Conversation, conversation, orm_conversation),
            ):
                for key in columns[model]:
                    assert getattr(mine, key) == getattr(theirs, key), key
        assert inspect(conversation).persistent
        assert not session.dirty
        assert session.get(Conversation, conversation_id) is conversation
        assert debtor.name == "Maria Souza"
        again = ConversationRepository(session).chat("whatsapp", MARIA.phone or "")
        assert again is not None
        assert again[1] is conversation  # the session's own object, as the ORM gives
        conversation.status = "waiting_agent"
    with transaction(db) as session:
        stored = session.get(Conversation, conversation_id)
        assert stored is not None
        assert stored.status == "waiting_agent"
    with transaction(db) as session:
        assert ConversationRepository(session).chat("whatsapp", "+5500000000000") is None


def test_a_chat_started_in_one_insert_is_the_row_the_orm_would_have_made(
    db: sessionmaker[Session],
) -> None:
    """``ConversationRepository.start``: the same row ``for_contact`` creates, persistent in
    the session (its later changes written like any other's), found again by ``chat``."""
    with transaction(db) as session:
        add_maria(session)
    with transaction(db) as session:
        found = ConversationRepository(session).chat("whatsapp", MARIA.phone or "")
        assert found is not None
        assert found[1] is None
        contact = found[0]
        conversation = ConversationRepository(session).start(contact, NOW, "en")
        assert inspect(conversation).persistent
        assert session.get(Conversation, conversation.id) is conversation
        assert (conversation.status, conversation.language, conversation.state) == (
            "bot",
            "en",
            {},
        )
        conversation.state = {"phase": "greeted"}
        write_changes(session, contact, conversation)
    with transaction(db) as session:
        again = ConversationRepository(session).chat("whatsapp", MARIA.phone or "")
        assert again is not None
        assert again[1] is not None
        stored = again[1]
        assert stored.id == conversation.id
        assert stored.debtor_id == contact.debtor_id == again[2].id
        assert (stored.channel, stored.created_at, stored.updated_at) == ("whatsapp", NOW, NOW)
        assert stored.state == {"phase": "greeted"}
        assert stored.assigned_agent_id is None
        assert stored.labels is None


def test_the_open_promise_and_the_broken_count_come_in_one_read(
    db: sessionmaker[Session], engine: Engine
) -> None:
    """What the turn reads about promises (the open one, how many were broken: the
    "broken_promises" segment) is one statement, with the answers of the two it replaced."""
    from datetime import date
    from decimal import Decimal

    from bot.conversation.facts import behaviour_segment
    from bot.offers.book import load_offer_book
    from bot.resources import resource_path
    from bot.store.ledger import LedgerRepository
    from bot.store.tables import Promise

    book = load_offer_book(resource_path("offers/default.yml"))
    conversation_id = add_conversation(db)
    debtor_id = _debtor_of(db, conversation_id)
    with transaction(db) as session:
        ledger = LedgerRepository(session)
        assert ledger.open_promise_and_broken(debtor_id) == (None, 0)  # no promise at all
        assert behaviour_segment(session, debtor_id, book) is None
        for n in range(3):
            ledger.record_promise(
                debtor_id=debtor_id,
                conversation_id=conversation_id,
                due=date(2026, 11, 25 + n),
                amount=Decimal("100.00") * (n + 1),
                created_by="bot",
                now=NOW,
            )
    with transaction(db) as session:
        first, second, third = session.scalars(select(Promise).order_by(Promise.id)).all()
        first.status = second.status = "broken"
    with transaction(db) as session:
        ledger = LedgerRepository(session)
        seen, record = _statements(engine)
        try:
            view, broken = ledger.open_promise_and_broken(debtor_id)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert seen == ["SELECT"]
        assert view == ledger.open_promise_view(debtor_id)
        assert view is not None
        assert view.amount == Decimal("300.00")
        assert broken == 2
        assert behaviour_segment(session, debtor_id, book) == "broken_promises"
        assert behaviour_segment(session, debtor_id, book, broken=broken) == "broken_promises"
    with transaction(db) as session:
        session.get(Promise, third.id).status = "kept"  # type: ignore[union-attr]
    with transaction(db) as session:
        assert LedgerRepository(session).open_promise_and_broken(debtor_id) == (None, 2)
