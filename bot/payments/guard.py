"""The sender's last check before a reminder goes: was anything paid since it was queued?"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.tables import Conversation, Message, Payment, ReminderSend


def paid_since_queued(session: Session, message: Message) -> bool:
    """True when ``message`` is a cadence reminder and a payment of its debtor was recorded
    after it was queued (a reminder held for contact hours must not chase a paid debt)."""
    if not message.business_initiated:
        return False
    is_reminder = session.scalar(
        select(ReminderSend.id).where(ReminderSend.message_id == message.id)
    )
    if is_reminder is None:
        return False
    debtor_id = session.scalar(
        select(Conversation.debtor_id).where(Conversation.id == message.conversation_id)
    )
    if debtor_id is None:
        return False
    paid = session.scalar(
        select(Payment.id)
        .where(
            Payment.debtor_id == debtor_id,
            Payment.created_at >= message.created_at,
            Payment.amount > 0,
        )
        .limit(1)
    )
    return paid is not None
