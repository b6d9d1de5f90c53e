"""Checks of a conversation script's ``expect`` step against the database."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.tables import (
    Agreement,
    Contact,
    Conversation,
    Debt,
    Event,
    Message,
    Promise,
)

if TYPE_CHECKING:
    from bot.testing.scripts import ScriptRun

PIX_CODE = re.compile(r"000201[^\n]{20,}?6304[0-9A-Fa-f]{4}")
KNOWN = {
    "promise",
    "no_promise",
    "agreement",
    "handoff",
    "no_handoff",
    "opted_out",
    "contact_invalid",
    "dispute",
    "offers_presented",
    "payment_instructions",
    "next_contact",
    "cadence_stopped",
    "bot_said",
    "bot_not_said",
    "bot_messages",
    "bot_silent",
}


def check(session: Session, run: ScriptRun, expected: dict[str, Any]) -> list[str]:
    """Every failed expectation, as a readable sentence."""
    failures: list[str] = []
    unknown = set(expected) - KNOWN
    if unknown:
        failures.append(f"unknown expectation(s): {', '.join(sorted(unknown))}")
    debtor_id = run.debtor_id
    said = run.sent[run.mark :]  # what reached the debtor since the previous step
    for key, want in expected.items():
        problem = _one(session, run, debtor_id, key, want, said)
        if problem:
            failures.append(problem)
    return failures


def _one(  # noqa: C901 - one branch per expectation keeps them side by side
    session: Session, run: ScriptRun, debtor_id: int, key: str, want: Any, said: list[str]
) -> str | None:
    if key == "promise":
        promise = _latest_promise(session, debtor_id)
        if promise is None:
            return "promise: none recorded"
        if "due" in want and promise.due != date.fromisoformat(str(want["due"])):
            return f"promise: due {promise.due}, expected {want['due']}"
        if "amount" in want and promise.amount != Decimal(str(want["amount"])):
            return f"promise: amount {promise.amount}, expected {want['amount']}"
        return None
    if key == "no_promise":
        promise = _latest_promise(session, debtor_id)
        if bool(want) and promise is not None and promise.status == "open":
            return f"no_promise: a promise for {promise.due} is open"
        return None
    if key == "agreement":
        return _agreement(session, debtor_id, want)
    if key in ("handoff", "no_handoff"):
        conversation = _conversation(session, debtor_id)
        handed = conversation is not None and conversation.status in (
            "waiting_agent",
            "with_agent",
        )
        if key == "no_handoff":
            return "no_handoff: the chat was handed to a person" if want and handed else None
        if not handed:
            return "handoff: the chat is still with the bot"
        if isinstance(want, dict) and "reason" in want:
            reason = conversation.handoff_reason if conversation else None
            if reason != want["reason"]:
                return f"handoff: reason {reason!r}, expected {want['reason']!r}"
        return None
    if key == "opted_out":
        opted = any(c.opted_out for c in _contacts(session, debtor_id))
        return None if opted == bool(want) else f"opted_out: {opted}, expected {bool(want)}"
    if key == "contact_invalid":
        invalid = any(c.invalid for c in _contacts(session, debtor_id))
        return None if invalid == bool(want) else f"contact_invalid: {invalid}"
    if key == "dispute":
        disputed = any(
            d.status == "disputed"
            for d in session.scalars(select(Debt).where(Debt.debtor_id == debtor_id))
        )
        return None if disputed == bool(want) else f"dispute: {disputed}, expected {bool(want)}"
    if key == "offers_presented" and want is False:
        # ``offers_presented: false``: none shown by the last step (it checked nothing before)
        shown = session.scalar(
            select(Event.id).where(
                Event.debtor_id == debtor_id,
                Event.kind == "offers_presented",
                Event.id > run.event_mark,
            )
        )
        return "offers_presented: offers were shown" if shown is not None else None
    if key == "offers_presented":
        event = session.scalar(
            select(Event)
            .where(Event.debtor_id == debtor_id, Event.kind == "offers_presented")
            .order_by(Event.id.desc())
        )
        count = int(event.data.get("count", 0)) if event else 0
        return None if count >= int(want) else f"offers_presented: {count}, expected >= {want}"
    if key == "payment_instructions":
        if want is False or str(want).lower() == "none":
            # none sent by the last step (``false`` used to check nothing at all)
            sent = [text for text in said if PIX_MARK in text]
            return f"payment_instructions: a PIX was sent: {sent[0][:80]!r}" if sent else None
        if want is True or str(want) == "pix":
            return _pix(session, debtor_id)  # a valid PIX copy-and-paste code was sent
        return None
    if key in ("next_contact", "cadence_stopped"):
        from bot.conversation.planning import next_contact

        planned = next_contact(session, debtor_id, run.clock.now(), run.settings)
        if key == "cadence_stopped":
            stopped = planned is None
            if stopped != bool(want):
                return f"cadence_stopped: {stopped} (next contact {planned})"
            return None
        got = planned.date().isoformat() if planned else None
        return None if got == str(want) else f"next_contact: {got}, expected {want}"
    if key == "bot_said":
        text = "\n".join(said).lower()
        missing = [s for s in _strings(want) if s.lower() not in text]
        return f"bot_said: missing {missing} in {said!r}" if missing else None
    if key == "bot_not_said":
        text = "\n".join(said).lower()
        found = [s for s in _strings(want) if s.lower() in text]
        return f"bot_not_said: found {found} in {said!r}" if found else None
    if key == "bot_messages":
        return None if len(said) >= int(want) else f"bot_messages: {len(said)}, expected {want}"
    if key == "bot_silent":
        return f"bot_silent: the bot said {said!r}" if want and said else None
    return None


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _latest_promise(session: Session, debtor_id: int) -> Promise | None:
    return session.scalar(
        select(Promise)
        .where(Promise.debtor_id == debtor_id, Promise.status != "replaced")
        .order_by(Promise.id.desc())
    )


def _conversation(session: Session, debtor_id: int) -> Conversation | None:
    return session.scalar(
        select(Conversation)
        .where(Conversation.debtor_id == debtor_id)
        .order_by(Conversation.last_message_at.desc().nulls_last(), Conversation.id.desc())
    )


def _contacts(session: Session, debtor_id: int) -> list[Contact]:
    return list(session.scalars(select(Contact).where(Contact.debtor_id == debtor_id)))


def _agreement(session: Session, debtor_id: int, want: Any) -> str | None:
    """``agreement: {installments, total?, installment_amount?, first_due?}``; ``agreement:
    true`` asks only that one was made (it used to stop the whole run with a TypeError)."""
    from bot.store.ledger import LedgerRepository

    want = want if isinstance(want, dict) else {}

    agreement = session.scalar(
        select(Agreement)
        .where(Agreement.debtor_id == debtor_id, Agreement.status != "cancelled")
        .order_by(Agreement.id.desc())
    )
    if agreement is None:
        return "agreement: none created"
    installments = LedgerRepository(session).installments(agreement.id)
    regular = [i for i in installments if i.number > 0]
    problems = []
    if "installments" in want and agreement.installments != int(want["installments"]):
        problems.append(f"{agreement.installments} installments, expected {want['installments']}")
    if "total" in want and agreement.total != Decimal(str(want["total"])):
        problems.append(f"total {agreement.total}, expected {want['total']}")
    if "installment_amount" in want:
        amount = regular[0].amount if regular else agreement.total
        if amount != Decimal(str(want["installment_amount"])):
            problems.append(f"installment {amount}, expected {want['installment_amount']}")
    if "first_due" in want and installments:
        first = installments[0].due
        if first != date.fromisoformat(str(want["first_due"])):
            problems.append(f"first due {first}, expected {want['first_due']}")
    return "agreement: " + "; ".join(problems) if problems else None


PIX_MARK = "br.gov.bcb.pix"  # in every PIX copy-and-paste code (its GUI)


def _pix(session: Session, debtor_id: int) -> str | None:
    from bot.offers.pix import decode_pix_code

    texts = session.scalars(
        select(Message.text)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.debtor_id == debtor_id, Message.direction == "out")
    )
    for text in texts:
        for code in PIX_CODE.findall(text or ""):
            try:
                decode_pix_code(code)
            except ValueError:
                continue
            return None
    return "payment_instructions: no valid PIX code was sent"
