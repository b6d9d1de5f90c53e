"""What one inbound turn costs the database: a bound on its statements, not a timing.

A turn used to run 18 statements on SQLite (three reads for its contact, debtor and
conversation, a savepoint around the message's insert, an UPDATE for its intent, the
conversation written twice). The bound below catches a change that brings such round
trips back; raise it only for a statement the turn really needs.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import event, func, select

from bot.channels.recording import RecordingChannel
from bot.conversation.jsonable import to_jsonable
from bot.conversation.turns import inbound_turn
from bot.core.domain import InboundMessage, Plan, ScheduledPayment
from bot.core.enums import ChoiceKind
from bot.dialogue.actions import Choice, Choices, PresentOffers, Reply
from bot.runtime.service import Runtime
from bot.store.db import transaction
from bot.store.tables import Message
from tests.runtime.support import add_debtor

# a known debtor asking something the bot answers: one read of the chat, the message's
# insert, the situation's reads, the reply, the actions log, contact, conversation (10 today)
TURN_STATEMENTS = 12


def _turn(runtime: Runtime, text: str, pid: str) -> tuple[Any, list[str]]:
    statements: list[str] = []

    def count(_c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    msg = InboundMessage(
        channel="whatsapp",
        address="+5511990000001",
        provider_id=pid,
        text=text,
        received_at=runtime.clock.now(),
    )
    event.listen(runtime.engine, "before_cursor_execute", count)
    try:
        with transaction(runtime.db) as session:
            outcome = inbound_turn(session, msg, runtime.deps)
    finally:
        event.remove(runtime.engine, "before_cursor_execute", count)
    return outcome, statements


async def test_an_inbound_turn_runs_a_bounded_number_of_statements(make_runtime: Any) -> None:
    runtime = await make_runtime()
    runtime.channels["whatsapp"] = RecordingChannel("whatsapp")
    add_debtor(runtime)
    _turn(runtime, "oi", "SM1")  # the first turn creates the conversation
    outcome, statements = _turn(runtime, "quanto eu devo?", "SM2")
    assert outcome is not None
    assert outcome.queued
    # a reply goes at once: handed to the sender with its chat's route (no outbox look)
    assert set(outcome.routes) == set(outcome.queued)
    assert {route[2] for route in outcome.routes.values()} == {"+5511990000001"}
    assert len(statements) <= TURN_STATEMENTS, "\n".join(statements)
    # the duplicate delivery stops at the insert: no situation read, nothing queued
    again, statements = _turn(runtime, "quanto eu devo?", "SM2")
    assert again is None
    assert len(statements) <= 2, "\n".join(statements)

    def stored(session: Any) -> list[tuple[str, str | None, bool]]:
        rows = session.execute(
            select(Message.direction, Message.intent, Message.actions.is_not(None)).order_by(
                Message.id
            )
        ).all()
        return [tuple(r) for r in rows]

    rows = runtime.in_transaction(stored)
    inbound = [r for r in rows if r[0] == "in"]
    assert len(inbound) == 2  # exactly once, with its intent and actions
    assert all(r[1] is not None and r[2] for r in inbound)
    queued = runtime.in_transaction(
        lambda s: s.scalar(
            select(func.count()).select_from(Message).where(Message.direction == "out")
        )
    )
    assert queued >= 2


def _reference(value: Any) -> Any:
    """to_jsonable as it was, through dataclasses.asdict."""
    if is_dataclass(value) and not isinstance(value, type):
        return {"type": type(value).__name__, **_reference(asdict(value))}
    if isinstance(value, dict):
        return {str(k): _reference(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_reference(v) for v in value]
    if isinstance(value, Decimal | date):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    return value


def test_actions_are_logged_as_they_always_were() -> None:
    plan = Plan(
        offer_id="3x",
        kind="installments",
        balance=Decimal("450.00"),
        total=Decimal("480.00"),
        payments=(
            ScheduledPayment(number=1, due=date(2026, 12, 1), amount=Decimal("160.00")),
            ScheduledPayment(number=2, due=date(2027, 1, 1), amount=Decimal("160.00")),
        ),
        waived=("late_fee",),
    )
    reply = Reply(
        response="offers",
        vars={"total": Decimal("480.00"), "plans": [plan], 1: date(2026, 12, 1)},
        choices=Choices(
            kind=ChoiceKind.OPTIONS, items=(Choice(id="o1", label="offer", vars={"n": 1}),)
        ),
    )
    actions = [PresentOffers(plans=(plan,)), reply]
    assert to_jsonable(actions) == _reference(actions)
    data = {"plan": plan, "at": date(2026, 12, 1), "list": (plan, Decimal("1.5"))}
    assert to_jsonable(data) == _reference(data)


def test_event_data_of_every_kind_is_logged_as_it_always_was() -> None:
    from datetime import UTC, datetime

    from bot.core.enums import EventKind

    plan = Plan(
        offer_id="pix",
        kind="in_full",
        balance=Decimal("99.90"),
        total=Decimal("89.91"),
        payments=(ScheduledPayment(number=1, due=date(2026, 12, 7), amount=Decimal("89.91")),),
    )
    at = datetime(2026, 12, 5, 21, 30, 15, 123456, tzinfo=UTC)
    data = {
        "kind": EventKind.PROMISE_RECORDED,
        EventKind.OPT_OUT: [plan, (plan,)],
        "at": at,
        "naive": datetime(2026, 12, 5, 9, 0),  # noqa: DTZ001 - as some data holds
        "nested": {"plans": {"first": plan}, "amounts": (Decimal("0.01"), 3, 2.5, None)},
        "reply": Reply(response="offers", vars={"when": at, "plan": plan, 7: "x"}),
    }
    assert to_jsonable(data) == _reference(data)
    assert to_jsonable([Reply(response="ok")]) == _reference([Reply(response="ok")])
    assert to_jsonable({"receipt": b"\x89PNG"}) == {"receipt": "<4 bytes>"}  # never the bytes
