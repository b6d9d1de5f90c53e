"""Stream DebtorFacts from the database: keyset pages of debtors, a few queries per page.

Memory stays flat as the portfolio grows: one page of rows is alive at a time, and each page
is read in its own short transaction (no cursor held open while reminders are written).
"""

from __future__ import annotations

import queue
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, and_, bindparam, func, select, type_coerce
from sqlalchemy.orm import Session, sessionmaker

from bot.cadence.model import (
    CallbackFact,
    DebtFact,
    DebtorFacts,
    InstallmentFact,
    PromiseFact,
)
from bot.core.enums import ConversationStatus
from bot.core.money import from_cents
from bot.store.tables import (
    Agreement,
    AgreementInstallment,
    Contact,
    Conversation,
    Debt,
    Debtor,
    Message,
    Payment,
    Promise,
    ReminderSend,
    ScheduledContact,
)

DEFAULT_PAGE = 2000
OWED_STATUSES = ("open", "in_agreement")
HOLDING_STATUSES = (ConversationStatus.WAITING_AGENT, ConversationStatus.WITH_AGENT)
_KEYS = ("low", "high", "ids")
_PARAMS: dict[str, tuple[str, ...]] = {
    "promises": ("since",),
    "callbacks": ("since",),
    "reminders": ("since",),
    "settled": ("since",),
    "messages": ("week",),
}
CURRENT_AGREEMENT = ("active", "pending_approval")
_NO_CONTACT = (False, True)  # no contact at all: not opted out, and unreachable


@dataclass(frozen=True)
class FactsQuery:
    """What to load: the clock, how far back to look, optional filters."""

    now: datetime
    history_days: int = 60
    default_state: str | None = None  # the business's state, for debtors without one
    page_size: int = DEFAULT_PAGE
    debtor_ids: Sequence[int] | None = None  # only these debtors
    with_thanks: bool = False  # load settled_at so the planner can send thank-yous


def stream_facts(sessions: sessionmaker[Session], query: FactsQuery) -> Iterator[DebtorFacts]:
    """Every debtor's facts, in id order, one page at a time."""
    for page in stream_pages(sessions, query):
        yield from page


def stream_pages(
    sessions: sessionmaker[Session], query: FactsQuery, *, prefetch: bool = False
) -> Iterator[list[DebtorFacts]]:
    """Pages of facts (keyset pagination on debtor id); each page is one short read.

    ``prefetch`` reads the next page in a thread while the caller works on this one (the
    database's time overlaps the planner's; at most two pages are alive). Not on a
    single-connection SQLite engine, which two threads cannot share.
    """
    if prefetch and _can_prefetch(sessions):
        yield from _prefetched(sessions, query)
        return
    yield from _pages(sessions, query)


def _can_prefetch(sessions: sessionmaker[Session]) -> bool:
    bind = sessions.kw.get("bind")
    return bind is not None and bind.dialect.name != "sqlite"


def _prefetched(sessions: sessionmaker[Session], query: FactsQuery) -> Iterator[list[DebtorFacts]]:
    ready: queue.Queue[list[DebtorFacts] | BaseException | None] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def offer(item: list[DebtorFacts] | BaseException | None) -> bool:
        """Hand ``item`` over; False once the consumer has gone."""
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for page in _pages(sessions, query):
                if not offer(page):
                    return
            offer(None)
        except BaseException as exc:  # handed to the consumer, raised there
            offer(exc)

    thread = threading.Thread(target=produce, name="quita-facts-prefetch", daemon=True)
    thread.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def _pages(sessions: sessionmaker[Session], query: FactsQuery) -> Iterator[list[DebtorFacts]]:
    after = 0
    while True:
        with sessions() as session:
            page = load_page(session, query, after)
        if not page:
            return
        yield page
        after = page[-1].debtor_id
        if len(page) < query.page_size:
            return


def facts_for(session: Session, debtor_id: int, query: FactsQuery) -> DebtorFacts | None:
    """One debtor's facts (CLI preview, scripts)."""
    single = FactsQuery(
        now=query.now,
        history_days=query.history_days,
        default_state=query.default_state,
        page_size=1,
        debtor_ids=(debtor_id,),
        with_thanks=query.with_thanks,
    )
    page = load_page(session, single, debtor_id - 1)
    return page[0] if page else None


def load_page(session: Session, query: FactsQuery, after: int) -> list[DebtorFacts]:
    """The facts of up to ``page_size`` debtors with an id above ``after``."""
    stmt = (
        select(Debtor.id, Debtor.ref, Debtor.timezone, Debtor.state, Debtor.reminders_paused_until)
        .where(Debtor.id > after)
        .order_by(Debtor.id)
        .limit(query.page_size)
    )
    if query.debtor_ids is not None:
        stmt = stmt.where(Debtor.id.in_(list(query.debtor_ids)))
    debtors = session.connection().execute(stmt).all()
    if not debtors:
        return []
    ids = [row.id for row in debtors]
    loader = _PageLoader(session, query, ids)
    return [loader.build(row) for row in debtors]


def _range(column: Any, dense: bool) -> Any:
    """Rows of the page's debtors: by id range when the page is dense, else by its ids."""
    if dense:
        return and_(column >= bindparam("low"), column <= bindparam("high"))
    return column.in_(bindparam("ids", expanding=True))


@cache
def _statements(dense: bool) -> dict[str, Any]:
    """The page queries, built once (bound parameters: low/high or ids, since, week)."""
    return {
        # the open balance in integer cents, computed by the database: a Decimal is built
        # only for the debts still owed (a third of the facts' time went to Money columns)
        "debts": select(
            Debt.debtor_id,
            Debt.ref,
            Debt.due_date,
            type_coerce(Debt.amount - Debt.paid, BigInteger).label("cents"),
            Debt.status,
        ).where(_range(Debt.debtor_id, dense), Debt.status.in_([*OWED_STATUSES, "disputed"])),
        "contacts": select(Contact.debtor_id, Contact.opted_out, Contact.invalid).where(
            _range(Contact.debtor_id, dense)
        ),
        "holding": select(Conversation.debtor_id).where(
            _range(Conversation.debtor_id, dense), Conversation.status.in_(HOLDING_STATUSES)
        ),
        "promises": select(
            Promise.debtor_id, Promise.id, Promise.due, Promise.amount, Promise.status
        )
        .where(
            _range(Promise.debtor_id, dense),
            (Promise.status == "open") | (Promise.created_at >= bindparam("since")),
        )
        .order_by(Promise.debtor_id, Promise.id),
        "agreements": select(Agreement.debtor_id, Agreement.id, Agreement.status).where(
            _range(Agreement.debtor_id, dense), Agreement.status.in_(CURRENT_AGREEMENT)
        ),
        "installments": select(
            Agreement.debtor_id,
            AgreementInstallment.agreement_id,
            AgreementInstallment.number,
            AgreementInstallment.due,
            AgreementInstallment.amount,
            AgreementInstallment.status,
        )
        .join(Agreement, Agreement.id == AgreementInstallment.agreement_id)
        .where(_range(Agreement.debtor_id, dense), Agreement.status == "active"),
        "callbacks": select(
            ScheduledContact.debtor_id,
            ScheduledContact.id,
            ScheduledContact.at,
            ScheduledContact.reason,
            ScheduledContact.done_at,
        ).where(
            _range(ScheduledContact.debtor_id, dense),
            ScheduledContact.done_at.is_(None) | (ScheduledContact.at >= bindparam("since")),
        ),
        "reminders": select(
            ReminderSend.debtor_id,
            ReminderSend.idempotency_key,
            ReminderSend.created_at,
            ReminderSend.message_id,
        ).where(
            _range(ReminderSend.debtor_id, dense),
            ReminderSend.created_at >= bindparam("since"),
        ),
        "messages": select(Conversation.debtor_id, Message.created_at)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            _range(Conversation.debtor_id, dense),
            Message.business_initiated.is_(True),
            Message.created_at > bindparam("week"),
        ),
        "settled": select(Payment.debtor_id, func.max(Payment.paid_at).label("last"))
        .where(_range(Payment.debtor_id, dense), Payment.paid_at >= bindparam("since"))
        .group_by(Payment.debtor_id),
    }


class _PageLoader:
    """Runs one query per table for the page's debtors and groups the rows by debtor."""

    def __init__(self, session: Session, query: FactsQuery, ids: list[int]) -> None:
        self.session = session
        self.query = query
        # a dense page is read by id range (index range scan); a sparse one by its ids
        dense = ids[-1] - ids[0] < 2 * len(ids)
        self.statements = _statements(dense)
        self.params: dict[str, Any] = {
            "since": query.now - timedelta(days=query.history_days),
            "week": query.now - timedelta(days=7),
        }
        if dense:
            self.params.update(low=ids[0], high=ids[-1])
        else:
            self.params["ids"] = ids
        self.debts = self._debts()
        self.contacts = self._contacts()
        self.holding = {row.debtor_id for row in self._rows("holding")}
        self.promises, self.last_promise_due = self._promises()
        self.agreements, self.installments = self._agreements()
        self.callbacks = self._callbacks()
        self.sent_keys, self.sends = self._reminders()
        for row in self._rows("messages"):
            self.sends[row.debtor_id].append(row.created_at)
        self.settled: dict[int, datetime] = (
            {row.debtor_id: row.last for row in self._rows("settled")} if query.with_thanks else {}
        )

    def _rows(self, name: str) -> list[Any]:
        params = {k: v for k, v in self.params.items() if k in _PARAMS.get(name, ()) or k in _KEYS}
        return list(self.session.connection().execute(self.statements[name], params).all())

    def _debts(self) -> dict[int, list[DebtFact]]:
        """The debts still owed per debtor; the disputing debtors go to ``self.disputed``."""
        out: dict[int, list[DebtFact]] = defaultdict(list)
        self.disputed: set[int] = set()
        for debtor_id, ref, due, cents, status in self._rows("debts"):
            if status == "disputed":
                self.disputed.add(debtor_id)
            elif cents > 0 and status in OWED_STATUSES:
                out[debtor_id].append(
                    DebtFact(ref=ref, due=due, balance=from_cents(cents), status=status)
                )
        return out

    def _contacts(self) -> dict[int, tuple[bool, bool]]:
        """Per debtor: (opted out on any contact, no contact both valid and not opted out)."""
        out: dict[int, tuple[bool, bool]] = {}
        for debtor_id, opted_out, invalid in self._rows("contacts"):
            opted, unreachable = out.get(debtor_id, (False, True))
            out[debtor_id] = (
                opted or bool(opted_out),
                unreachable and not (not invalid and not opted_out),
            )
        return out

    def _promises(self) -> tuple[dict[int, PromiseFact], dict[int, date]]:
        open_: dict[int, PromiseFact] = {}
        resolved: dict[int, date] = {}
        for row in self._rows("promises"):
            if row.status == "open":
                open_[row.debtor_id] = PromiseFact(id=row.id, due=row.due, amount=row.amount)
            elif row.status != "cancelled":
                previous = resolved.get(row.debtor_id)
                resolved[row.debtor_id] = row.due if previous is None else max(previous, row.due)
        return open_, resolved

    def _agreements(self) -> tuple[dict[int, str], dict[int, list[InstallmentFact]]]:
        statuses: dict[int, str] = {}
        installments: dict[int, list[InstallmentFact]] = defaultdict(list)
        any_active = False
        for row in self._rows("agreements"):
            if statuses.get(row.debtor_id) != "active":
                statuses[row.debtor_id] = row.status
            any_active = any_active or row.status == "active"
        if not any_active:
            return statuses, installments
        for row in self._rows("installments"):
            installments[row.debtor_id].append(
                InstallmentFact(
                    agreement_id=row.agreement_id,
                    number=row.number,
                    due=row.due,
                    amount=row.amount,
                    paid=row.status == "paid",
                )
            )
        return statuses, installments

    def _callbacks(self) -> dict[int, list[CallbackFact]]:
        out: dict[int, list[CallbackFact]] = defaultdict(list)
        for row in self._rows("callbacks"):
            out[row.debtor_id].append(
                CallbackFact(id=row.id, at=row.at, reason=row.reason, done=row.done_at is not None)
            )
        return out

    def _reminders(self) -> tuple[dict[int, set[str]], dict[int, list[datetime]]]:
        keys: dict[int, set[str]] = defaultdict(set)
        sends: dict[int, list[datetime]] = defaultdict(list)
        week = self.params["week"]
        for row in self._rows("reminders"):
            keys[row.debtor_id].add(row.idempotency_key)
            # a send with a message is counted from the messages table instead
            if row.message_id is None and row.created_at > week:
                sends[row.debtor_id].append(row.created_at)
        return keys, sends

    def build(self, row: Any) -> DebtorFacts:
        debtor_id, ref, timezone, state, paused_until = row
        owed = tuple(self.debts.get(debtor_id, ()))
        opted_out, unreachable = self.contacts.get(debtor_id, _NO_CONTACT)
        return DebtorFacts(
            debtor_id=debtor_id,
            ref=ref,
            timezone=timezone,
            state=state or self.query.default_state,
            debts=owed,
            promise=self.promises.get(debtor_id),
            last_promise_due=self.last_promise_due.get(debtor_id),
            agreement_status=self.agreements.get(debtor_id),
            installments=tuple(self.installments.get(debtor_id, ())),
            callbacks=tuple(self.callbacks.get(debtor_id, ())),
            sent_keys=frozenset(self.sent_keys.get(debtor_id, ())),
            business_sends=tuple(sorted(self.sends.get(debtor_id, ()))),
            opted_out=opted_out,
            contact_invalid=unreachable,
            disputed=debtor_id in self.disputed,
            agent_holding=debtor_id in self.holding,
            paused_until=paused_until,
            settled_at=self.settled.get(debtor_id) if not owed else None,
        )
