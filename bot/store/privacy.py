"""LGPD (Lei 13.709/2018) art. 18: a debtor's data on request, erasure, and retention.

- ``export_debtor``: everything kept about one debtor (art. 18 II), messages included.
- ``erase_debtor``: personal data and message bodies removed or anonymised (art. 18 VI);
  debts, payments, promises and agreements are kept as the law allows (art. 16 I and
  art. 7 VI: legal obligation and the regular exercise of rights), the basis recorded in the
  event log.
- ``purge_wrong_numbers``: a number whose holder said "número errado" is removed from the
  debtor once the bot's last reply to it has gone.
- ``blank_old_bodies``: message bodies older than the retention period are blanked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from bot.core.enums import EventKind
from bot.store.ledger import EventLog
from bot.store.tables import (
    Agreement,
    AgreementInstallment,
    Contact,
    Conversation,
    DeadLetter,
    Debt,
    Debtor,
    Event,
    InboxDelivery,
    Message,
    Payment,
    PixCharge,
    PortalAccess,
    Promise,
    Receipt,
    ScheduledContact,
    WebSession,
)

ERASED_NAME = "Titular anonimizado (LGPD)"
PURGED_PREFIX = "purged:"
DEFAULT_LEGAL_BASIS = (
    "LGPD art. 16, I e art. 7º, II e VI: registros financeiros (dívidas, pagamentos, "
    "promessas e acordos) mantidos por obrigação legal e exercício regular de direitos"
)


class PrivacyError(ValueError):
    """The request cannot be carried out (no such debtor)."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj: Any, *fields: str) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


def _debtor(session: Session, ref: str) -> Debtor:
    debtor = session.scalar(select(Debtor).where(Debtor.ref == ref))
    if debtor is None:
        raise PrivacyError(f"no debtor {ref!r}")
    return debtor


def export_debtor(session: Session, ref: str) -> dict[str, Any]:
    """Every record about the debtor ``ref``, as plain JSON-ready data."""
    debtor = _debtor(session, ref)
    did = debtor.id
    conversations = list(
        session.scalars(
            select(Conversation).where(Conversation.debtor_id == did).order_by(Conversation.id)
        )
    )
    messages = {
        c.id: [
            _row(m, "direction", "sender", "channel", "text", "status", "created_at")
            for m in session.scalars(
                select(Message).where(Message.conversation_id == c.id).order_by(Message.id)
            )
        ]
        for c in conversations
    }
    agreements = list(session.scalars(select(Agreement).where(Agreement.debtor_id == did)))

    def rows(model: Any, *fields: str) -> list[dict[str, Any]]:
        query = select(model).where(model.debtor_id == did).order_by(model.id)
        return [_row(obj, *fields) for obj in session.scalars(query)]

    return {
        "debtor": _row(
            debtor,
            "ref",
            "name",
            "language",
            "document",
            "birth_date",
            "segment",
            "timezone",
            "state",
            "created_at",
            "updated_at",
        ),
        "contacts": rows(Contact, "channel", "address", "opted_out", "invalid", "created_at"),
        "debts": rows(Debt, "ref", "description", "amount", "due_date", "paid", "status"),
        "payments": rows(Payment, "amount", "paid_at", "source"),
        "promises": rows(Promise, "due", "amount", "status", "created_at"),
        "agreements": [
            {
                **_row(a, "offer_id", "kind", "total", "installments", "status", "created_at"),
                "schedule": [
                    _row(i, "number", "due", "amount", "paid_amount", "status")
                    for i in session.scalars(
                        select(AgreementInstallment)
                        .where(AgreementInstallment.agreement_id == a.id)
                        .order_by(AgreementInstallment.number)
                    )
                ],
            }
            for a in agreements
        ],
        "conversations": [
            {**_row(c, "channel", "status", "language"), "messages": messages[c.id]}
            for c in conversations
        ],
        "events": rows(Event, "at", "kind", "actor", "data"),
    }


@dataclass(frozen=True)
class Erasure:
    ref: str
    contacts: int
    messages: int
    legal_basis: str


def erase_debtor(
    session: Session,
    ref: str,
    *,
    now: datetime,
    actor: str,
    legal_basis: str = DEFAULT_LEGAL_BASIS,
) -> Erasure:
    """Anonymise the debtor ``ref``: name, CPF, contacts, message bodies; keep the ledger."""
    debtor = _debtor(session, ref)
    did = debtor.id
    debtor.name = ERASED_NAME
    debtor.document = None
    debtor.birth_date = None
    debtor.segment = None
    debtor.link_token = None
    debtor.updated_at = now
    contacts = list(session.scalars(select(Contact).where(Contact.debtor_id == did)))
    addresses = [c.address for c in contacts]
    for contact in contacts:
        _purge_contact(contact)
        contact.opted_out = True  # never contacted again, whoever holds the number now
    conversation_ids = select(Conversation.id).where(Conversation.debtor_id == did)
    blanked = _blank(session, Message.conversation_id.in_(conversation_ids))
    session.execute(
        update(Receipt).where(Receipt.debtor_id == did).values(media_url=None, content_type=None)
    )
    session.execute(
        delete(ScheduledContact).where(
            ScheduledContact.debtor_id == did, ScheduledContact.done_at.is_(None)
        )
    )
    session.execute(delete(PortalAccess).where(PortalAccess.debtor_id == did))
    session.execute(update(PixCharge).where(PixCharge.debtor_id == did).values(br_code=""))
    if addresses:
        session.execute(delete(DeadLetter).where(DeadLetter.address.in_(addresses)))
    EventLog(session).append(
        EventKind.PRIVACY_ERASED,
        at=now,
        actor=actor,
        debtor_id=did,
        data={
            "legal_basis": legal_basis,
            "kept": ["debts", "payments", "promises", "agreements", "events"],
            "contacts": len(contacts),
            "messages_blanked": blanked,
        },
    )
    return Erasure(ref=ref, contacts=len(contacts), messages=blanked, legal_basis=legal_basis)


def _purge_contact(contact: Contact) -> None:
    if not contact.address.startswith(PURGED_PREFIX):
        contact.address = f"{PURGED_PREFIX}{contact.id}"


def _blank(session: Session, where: Any) -> int:
    result = session.execute(
        update(Message)
        .where(where, (Message.text != "") | Message.entities.is_not(None))
        .values(text="", entities=None, media=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def purge_wrong_numbers(session: Session, *, now: datetime) -> int:
    """Numbers marked wrong ("número errado") leave their debtor once nothing is queued to them.

    The contact row stays (invalid, so the history reads right) with its address replaced."""
    pending = exists().where(
        Message.conversation_id == Conversation.id,
        Conversation.contact_id == Contact.id,
        Message.direction == "out",
        Message.status == "queued",
    )
    wrong = list(
        session.scalars(
            select(Contact).where(
                Contact.invalid.is_(True),
                ~Contact.address.startswith(PURGED_PREFIX),
                ~pending,
            )
        )
    )
    log = EventLog(session)
    purged = 0
    for contact in wrong:
        if contact.address.startswith(PURGED_PREFIX):
            continue  # a twin of one purged in this pass
        purged += 1
        # the same number on the debtor's other channels (WhatsApp and SMS share a phone)
        for twin in session.scalars(
            select(Contact).where(
                Contact.address == contact.address, Contact.debtor_id == contact.debtor_id
            )
        ):
            twin.invalid = True
            _purge_contact(twin)
        log.append(
            EventKind.CONTACT_PURGED,
            at=now,
            actor="system",
            debtor_id=contact.debtor_id,
            data={"reason": "wrong_person", "channel": contact.channel},
        )
    return purged


def blank_old_bodies(session: Session, *, now: datetime, days: int) -> int:
    """Blank the bodies of messages older than ``days`` (sent or received; not queued)."""
    return _blank(
        session, (Message.created_at < now - timedelta(days=days)) & (Message.status != "queued")
    )


INBOX_KEEP_DAYS = 2  # a provider's redeliveries come within hours; ``messages`` dedupes after
SESSION_KEEP_DAYS = 30


def prune_spent_rows(session: Session, *, now: datetime) -> dict[str, int]:
    """Delete what has done its job: inbox deliveries turned into turns (they hold the
    message's text, which ``messages`` keeps under its own retention) and console sessions
    expired or signed out a month ago. Failed deliveries stay for a person to look at."""
    inbox = session.execute(
        delete(InboxDelivery).where(
            InboxDelivery.status == "done",
            InboxDelivery.processed_at < now - timedelta(days=INBOX_KEEP_DAYS),
        )
    )
    cutoff = now - timedelta(days=SESSION_KEEP_DAYS)
    sessions = session.execute(
        delete(WebSession).where(
            (WebSession.expires_at < cutoff)
            | (WebSession.revoked_at.is_not(None) & (WebSession.revoked_at < cutoff))
        )
    )
    return {"inbox": _count(inbox), "web_sessions": _count(sessions)}


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
