"""A small portfolio whose true results are known, written straight into the tables.

Period: 2026-11-01 .. 2026-11-07 in America/Sao_Paulo (UTC-3). See EXPECTED.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.store.tables import Contact, Conversation, Debt, Debtor, Event, Message

SP = ZoneInfo("America/Sao_Paulo")
START = datetime(2026, 11, 1, tzinfo=SP).date()
END = datetime(2026, 11, 7, tzinfo=SP).date()


def at(day: int, hour: int = 10, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SP)


EXPECTED: dict[str, Any] = {
    "contacts": 6,
    "replied": 5,
    "right_party": 4,
    "promises_made": 2,
    "promises_kept": 1,
    "promises_broken": 1,
    "agreements": 1,
    "amount_promised": Decimal("150.00"),
    "amount_recovered": Decimal("245.50"),
    "handoffs": 1,
    "resolved_without_human": 2,
    "opt_outs": 1,
    "inbound": 7,
    "not_understood": 2,
    "parsed": 7,
    # c6's failed send and c11's undelivered one; neither counts as a contact
    "attempted": 9,
    "failed_deliveries": 2,
    # d1, d7 (contacted before paying), d9 (never contacted), d10 (contacted on 31/10)
    "payers": 4,
    "self_cured": 1,
    "open_balance": Decimal("320.00"),
}


class Builder:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.count = 0

    def conversation(
        self,
        *,
        channel: str = "whatsapp",
        language: str = "pt",
        linked: bool = True,
        status: str = "bot",
    ) -> tuple[int, int | None]:
        self.count += 1
        now = at(1, 8)
        debtor_id = None
        if linked:
            debtor = Debtor(
                ref=f"K-{self.count}",
                name=f"Pessoa {self.count}",
                language=language,
                created_at=now,
                updated_at=now,
            )
            self.session.add(debtor)
            self.session.flush()
            debtor_id = debtor.id
        contact = Contact(
            debtor_id=debtor_id,
            channel=channel,
            address=f"+55110000{self.count:04d}",
            created_at=now,
        )
        self.session.add(contact)
        self.session.flush()
        conversation = Conversation(
            debtor_id=debtor_id,
            contact_id=contact.id,
            channel=channel,
            status=status,
            state={},
            language=language,
            created_at=now,
            updated_at=now,
        )
        self.session.add(conversation)
        self.session.flush()
        return conversation.id, debtor_id

    def out(
        self,
        conversation_id: int,
        when: datetime,
        text: str = "Olá",
        *,
        status: str = "sent",
        sender: str = "bot",
    ) -> None:
        self._message(conversation_id, when, "out", sender, text, status=status)

    def inbound(
        self, conversation_id: int, when: datetime, text: str, intent: str, confidence: float
    ) -> None:
        self._message(
            conversation_id,
            when,
            "in",
            "debtor",
            text,
            status="received",
            intent=intent,
            confidence=confidence,
        )

    def _message(
        self,
        conversation_id: int,
        when: datetime,
        direction: str,
        sender: str,
        text: str,
        **extra: Any,
    ) -> None:
        conversation = self.session.get(Conversation, conversation_id)
        assert conversation is not None
        self.session.add(
            Message(
                conversation_id=conversation_id,
                direction=direction,
                sender=sender,
                channel=conversation.channel,
                text=text,
                created_at=when,
                **extra,
            )
        )
        conversation.last_message_at = max(conversation.last_message_at or when, when)

    def event(
        self,
        kind: str,
        when: datetime,
        conversation_id: int | None,
        debtor_id: int | None,
        actor: str = "bot",
        **data: Any,
    ) -> None:
        self.session.add(
            Event(
                kind=kind,
                at=when,
                actor=actor,
                debtor_id=debtor_id,
                conversation_id=conversation_id,
                data=data,
            )
        )


def build(session: Session) -> dict[str, int]:
    b = Builder(session)
    c1, d1 = b.conversation()
    b.out(c1, at(31, 23, month=10))  # 01/11 02:00 UTC, but 31/10 here: outside the period
    b.out(c1, at(2))
    b.inbound(c1, at(2, 11), "vou pagar 100 sexta", "promise_to_pay", 0.9)
    b.event("promise_recorded", at(2, 11), c1, d1, amount="100.00", due="2026-11-06")
    b.event("promise_kept", at(5), None, d1, actor="system", amount="100.00")
    b.event("payment_received", at(5), None, d1, actor="business", amount="100.00")

    c2, d2 = b.conversation(language="en", channel="telegram")
    b.out(c2, at(3))
    b.inbound(c2, at(3, 11), "do you sell fridges?", "out_of_scope", 0.8)
    b.inbound(c2, at(3, 12), "hmm", "greet", 0.3)
    b.event("handoff", at(3, 12), c2, d2, reason="not_understood")
    b.event("promise_recorded", at(3, 13), c2, d2, actor="agent:1", amount="50.00")
    b.event("promise_broken", at(6), None, d2, actor="system")
    b.out(c2, at(3, 13), "Hi, this is Ana", sender="agent")

    c3, _ = b.conversation()
    b.out(c3, at(3))

    c4, d4 = b.conversation()
    b.out(c4, at(4))
    b.inbound(c4, at(4, 11), "SAIR", "opt_out", 0.95)
    b.event("opt_out", at(4, 11), c4, d4)

    c5, d5 = b.conversation(channel="sms")
    b.out(c5, at(4))
    b.inbound(c5, at(4, 11), "número errado", "wrong_person", 0.9)
    b.event("wrong_person", at(4, 11), c5, d5)

    c6, _ = b.conversation(linked=False)
    b.out(c6, at(5), status="failed")
    b.inbound(c6, at(5, 11), "oi", "greet", 0.9)

    c7, d7 = b.conversation()
    b.out(c7, at(6))
    b.inbound(c7, at(6, 11), "dá pra parcelar em 3x?", "negotiate", 0.9)
    b.event("agreement_created", at(6, 11), c7, d7, installments=3, total="300.00")
    b.event("payment_received", at(7, 23, 30), None, d7, actor="business", amount="25.50")
    b.event("promise_recorded", at(8, 0, 30), c7, d7, amount="999.00")  # after the period

    # self-cure: d9 pays with no conversation at all; d10 pays on the 2nd, but we wrote to
    # them on 31/10 (before the period, within the 30 days that count)
    d9 = Debtor(
        ref="K-SELF", name="Pessoa Autocura", language="pt", created_at=at(1), updated_at=at(1)
    )
    session.add(d9)
    session.flush()
    b.event("payment_received", at(6), None, d9.id, actor="business", amount="80.00")
    c10, d10 = b.conversation()
    b.out(c10, at(31, 9, month=10))
    b.event("payment_received", at(2), None, d10, actor="business", amount="40.00")
    assert d10 is not None
    session.add(
        Debt(
            debtor_id=d10,
            ref="K-D10",
            amount=Decimal("360.00"),
            paid=Decimal("40.00"),
            due_date=at(20, month=10).date(),
            status="open",
            created_at=at(1, 8),
            updated_at=at(1, 8),
        )
    )
    # a failed delivery the provider reported as undelivered
    c11, _ = b.conversation()
    b.out(c11, at(4), status="undelivered")
    session.flush()
    return {
        **{"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "c6": c6, "c7": c7},
        **{"c10": c10, "c11": c11},
    }
