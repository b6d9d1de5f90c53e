"""Prepared statements (``bot.store.prepared``) on SQLite and the real PostgreSQL: the rows,
conversions, errors and events are those of ``Connection.execute`` for the same statement."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, event, exc, insert, select
from sqlalchemy.orm import Session, sessionmaker

from bot.store.db import transaction
from bot.store.prepared import Prepared
from bot.store.tables import Debt, Message
from tests.store.test_store_repositories import NOW, add_conversation, add_maria

_message = Message.__table__.c
_debt = Debt.__table__.c
MESSAGES = select(
    _message.id,
    _message.text,
    _message.entities,
    _message.business_initiated,
    _message.confidence,
    _message.created_at,
).where(
    _message.conversation_id == bindparam("conversation_id"),
    _message.direction.in_(["in", "out"]),  # a literal IN list, written out once
)
DEBTS = select(_debt.ref, _debt.amount, _debt.paid, _debt.due_date).where(
    _debt.debtor_id == bindparam("debtor_id")
)
NEW_MESSAGE = Prepared(insert(Message).returning(Message.id))


def _message_values(conversation_id: int, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "conversation_id": conversation_id,
        "direction": "in",
        "sender": "debtor",
        "channel": "whatsapp",
        "text": "vou pagar sexta 🙏",
        "status": "received",
        "entities": [{"entity": "amount", "value": "150.00"}],
        "business_initiated": False,
        "attempts": 0,
        "confidence": 0.875,
        "created_at": NOW,
    }
    return {**values, **changes}


def test_rows_and_conversions_are_those_of_execute(db: sessionmaker[Session]) -> None:
    conversation_id = add_conversation(db)
    with transaction(db) as session:
        connection = session.connection()
        new_id = NEW_MESSAGE.scalar(connection, _message_values(conversation_id))
        assert isinstance(new_id, int)
        params = {"conversation_id": conversation_id}
        prepared = Prepared(MESSAGES).rows(connection, params)
        executed = [tuple(row) for row in connection.execute(MESSAGES, params)]
        assert prepared == executed
        (row,) = prepared
        assert row[1:5] == (
            "vou pagar sexta 🙏",
            [{"entity": "amount", "value": "150.00"}],
            False,
            0.875,
        )
        assert row[5] == NOW
        assert isinstance(row[5], datetime)
        assert row[5].tzinfo is not None
        debtor_id = session.scalar(select(Debt.debtor_id))
        debts = Prepared(DEBTS).rows(connection, {"debtor_id": debtor_id})
        assert debts == [tuple(r) for r in connection.execute(DEBTS, {"debtor_id": debtor_id})]
        assert debts[0][1] == Decimal("600.00")
        assert isinstance(debts[0][2], Decimal)
        assert Prepared(MESSAGES).rows(connection, {"conversation_id": -1}) == []


def test_errors_are_sqlalchemys_and_the_transaction_rolls_back(
    db: sessionmaker[Session],
) -> None:
    conversation_id = add_conversation(db)

    def two_inserts() -> None:
        with transaction(db) as session:
            connection = session.connection()
            NEW_MESSAGE.scalar(connection, _message_values(conversation_id))
            # no such conversation: the foreign key
            NEW_MESSAGE.scalar(connection, _message_values(conversation_id + 1000))

    with pytest.raises(exc.IntegrityError):
        two_inserts()
    with transaction(db) as session:  # the first insert went with the rollback
        params = {"conversation_id": conversation_id}
        assert Prepared(MESSAGES).rows(session.connection(), params) == []


def test_listeners_see_each_statement(db: sessionmaker[Session], engine: Engine) -> None:
    conversation_id = add_conversation(db)
    seen: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        with transaction(db) as session:
            NEW_MESSAGE.run(session.connection(), _message_values(conversation_id))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert [s for s in seen if s.startswith("INSERT INTO messages")]


def test_what_cannot_be_prepared_says_so(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        add_maria(session)
        connection = session.connection()
        listed = select(_message.id).where(_message.id.in_(bindparam("ids", expanding=True)))
        with pytest.raises(ValueError, match="IN list given at run time"):
            Prepared(listed).rows(connection, {"ids": [1, 2]})
        no_default = Prepared(insert(Message))  # its parameters leave out text, status...
        with pytest.raises(ValueError, match="Python defaults must be given: "):
            no_default.run(connection, {"conversation_id": 1, "direction": "in"})


def test_the_connection_is_looked_up_once_per_transaction(db: sessionmaker[Session]) -> None:
    from bot.store.db import connection_of

    session = db()
    try:
        first = connection_of(session)
        assert connection_of(session) is first
        with session.begin_nested():  # a savepoint shares its transaction's connection
            assert connection_of(session) is first
        session.rollback()
        after = connection_of(session)  # a new transaction: looked up afresh, and usable
        assert after is session.connection()
        assert Prepared(DEBTS).rows(after, {"debtor_id": -1}) == []
        session.commit()
        assert connection_of(session) is session.connection()
    finally:
        session.close()


def test_a_plain_transaction_commits_or_rolls_back_as_a_unit(db: sessionmaker[Session]) -> None:
    from bot.store.db import plain_transaction

    conversation_id = add_conversation(db)
    params = {"conversation_id": conversation_id}

    def then_fail() -> None:
        with plain_transaction(db) as connection:
            NEW_MESSAGE.run(connection, _message_values(conversation_id, text="lost"))
            raise RuntimeError("the work failed")

    with pytest.raises(RuntimeError):
        then_fail()
    with plain_transaction(db) as connection:
        assert Prepared(MESSAGES).rows(connection, params) == []
        NEW_MESSAGE.run(connection, _message_values(conversation_id, text="kept"))
    with transaction(db) as session:
        rows = Prepared(MESSAGES).rows(session.connection(), params)
        assert [row[1] for row in rows] == ["kept"]
