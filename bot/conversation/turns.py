"""One turn of a conversation, start to finish, in one database transaction.

A turn is an inbound message, a reminder from the cadence, a confirmed payment or an agent
handing the chat back. Each loads the situation, asks the dialogue what to do, carries the
actions out and queues the replies in the outbox — all committed together or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.channels.policies import CHANNEL_PREFERENCE, PHONE_CHANNELS, policy_for
from bot.config import Settings
from bot.conversation.assignment import auto_assign
from bot.conversation.effects import DialogueHook, Effects, TurnOutcome
from bot.conversation.facts import Situation, load_context
from bot.conversation.holding import confirm_opt_out, holding_reply
from bot.conversation.jsonable import to_jsonable
from bot.core.domain import InboundMessage
from bot.core.enums import EventKind, handed_off, holds_the_bot
from bot.core.parse import Entity, Interpreter, Parse
from bot.dialogue.choices import parse_choice, with_choices
from bot.dialogue.context import Event, Reminder, UserTurn
from bot.dialogue.engine import decide
from bot.dialogue.responses import ResponseBook
from bot.dialogue.state import ConversationState
from bot.offers.book import OfferBook
from bot.offers.payments import PaymentProvider
from bot.store.conversations import ConversationRepository, MessageRepository
from bot.store.portfolio import PortfolioRepository
from bot.store.tables import Contact, Conversation, Debtor, ReminderSend
from bot.store.writes import write_changes

log = logging.getLogger(__name__)

ReminderVars = Callable[[Effects, str], dict[str, str]]  # (effects, template) -> vars
MAX_TEXT = 4000  # longer messages are kept whole in the log but parsed truncated


@dataclass(frozen=True)
class TurnDeps:
    settings: Settings
    interpreter: Interpreter
    book: OfferBook
    responses: ResponseBook
    payments: PaymentProvider
    after_dialogue: tuple[DialogueHook, ...] = ()  # e.g. bot.portal.chat.offer_link
    # extra vars for a reminder's text, installed by the wiring (bot.portal.chat.reminder_link)
    reminder_vars: tuple[ReminderVars, ...] = ()


def turn_effects(
    session: Session,
    conversation: Conversation,
    contact: Contact,
    deps: TurnDeps,
    now: datetime,
    **options: Any,
) -> Effects:
    """Load the situation of ``conversation`` and the Effects that carry out its turn.

    ``options`` are Effects' keyword options (actor, business_initiated, template...)."""
    situation = load_context(
        session,
        conversation=conversation,
        contact=contact,
        settings=deps.settings,
        book=deps.book,
        now=now,
    )
    return Effects(
        session,
        situation,
        settings=deps.settings,
        responses=deps.responses,
        payments=deps.payments,
        now=now,
        after_dialogue=deps.after_dialogue,
        **options,
    )


def find_or_create_contact(session: Session, channel: str, address: str, now: datetime) -> Contact:
    portfolio = PortfolioRepository(session)
    contact = portfolio.contact(channel, address)
    if contact is None:
        contact = Contact(channel=channel, address=address, created_at=now)
        try:
            with session.begin_nested():
                session.add(contact)
                session.flush()
        except IntegrityError:  # created by a concurrent request
            found = portfolio.contact(channel, address)
            assert found is not None
            contact = found
    return contact


def link_contact(session: Session, contact: Contact, msg: InboundMessage) -> str | None:
    """Link a chat (a channel whose policy ``links_by_token``) to a debtor by deep-link
    token or shared phone number."""
    portfolio = PortfolioRepository(session)
    debtor: Debtor | None = None
    if msg.start_token:
        debtor = session.query(Debtor).filter(Debtor.link_token == msg.start_token).one_or_none()
    elif msg.contact_phone:
        phone = "+" + "".join(ch for ch in msg.contact_phone if ch.isdigit())
        found = (portfolio.contact(channel, phone) for channel in PHONE_CHANNELS)
        known = next((c for c in found if c is not None), None)
        if known is not None and known.debtor_id is not None:
            debtor = portfolio.debtor(known.debtor_id)
    if debtor is None:
        return "link_failed" if (msg.start_token or msg.contact_phone) else None
    contact.debtor_id = debtor.id
    return "linked"


def conversation_language(debtor: Debtor | None, settings: Settings) -> str:
    return debtor.language if debtor is not None else settings.business.default_language


def inbound_turn(session: Session, msg: InboundMessage, deps: TurnDeps) -> TurnOutcome | None:
    """Handle one inbound message; ``None`` when it was a duplicate delivery."""
    now = msg.received_at
    conversations = ConversationRepository(session)
    portfolio = PortfolioRepository(session)
    known = conversations.chat(msg.channel, msg.address)
    if known is not None:
        contact, conversation, debtor = known
    else:
        contact = find_or_create_contact(session, msg.channel, msg.address, now)
        conversation = debtor = None
    policy = policy_for(msg.channel, deps.settings.channels)
    link = link_contact(session, contact, msg) if policy.links_by_token else None
    if (debtor.id if debtor else None) != contact.debtor_id:  # just linked
        debtor = portfolio.debtor(contact.debtor_id) if contact.debtor_id else None
    if conversation is None:
        language = conversation_language(debtor, deps.settings)
        conversation = (
            conversations.start(contact, now, language)
            if known is not None  # its conversation was looked for with it: there is none
            else conversations.for_contact(contact, now, language)
        )
    if conversation.debtor_id != contact.debtor_id:
        conversation.debtor_id = contact.debtor_id
    text = msg.text or msg.button_payload or ""
    # a tapped answer of ours is known for certain: the NLU is not asked to guess it
    parse = parse_choice(msg.button_payload, text[:MAX_TEXT], conversation.language)
    if parse is None:
        parse = safe_parse(deps.interpreter, text[:MAX_TEXT], now, conversation.language)
    # stored already read: one INSERT, no savepoint, no UPDATE for its intent
    messages = MessageRepository(session)
    stored = messages.insert_inbound(
        conversation,
        channel=msg.channel,
        provider_id=msg.provider_id,
        text=msg.text,
        at=now,
        media=[{"kind": m.kind, "url": m.url, "content_type": m.content_type} for m in msg.media],
        intent=parse.intent,
        confidence=parse.confidence,
        entities=[e.to_json() for e in parse.entities],
    )
    if stored is None:
        return None
    contact.last_inbound_at = now
    conversation.last_message_at = now
    # the situation's reads need none of this turn's changes: they go in one flush later
    with session.no_autoflush:
        effects = turn_effects(
            session, conversation, contact, deps, now, inbound_message_id=stored
        )
    situation = effects.situation
    if debtor is None:
        unknown_contact(effects, conversation, link)
        effects.outcome.status = conversation.status
        return finished(effects)
    if link == "linked":
        effects.event(EventKind.CONTACT_LINKED, channel=contact.channel)
    if holds_the_bot(conversation.status):
        # a person holds the chat: the bot stays silent, but "stop" is always honoured
        if parse.intent == "opt_out" and parse.confidence >= deps.settings.nlu.threshold:
            # honoured, and said so once, as anywhere else (a repeated "SAIR" gets no reply);
            # the agent sees the event and the confirmation in the chat
            if not contact.opted_out:
                confirm_opt_out(effects, conversation)
            contact.opted_out = True
            contact.opted_out_at = now
            effects.event(EventKind.OPT_OUT, channel=contact.channel)
        else:
            # nobody took the chat yet: one short "it's with the team" now and then
            holding_reply(effects, conversation, now)
        effects.outcome.status = conversation.status
        return finished(effects)
    if conversation.status == "closed":
        conversation.status = "bot"
    # the dialogue decides on what the message says to act on (the log keeps every entity)
    event = UserTurn(parse=parse.acted_on(), media=msg.media)
    actions = run_dialogue(effects, situation, event)
    messages.set_actions(stored, to_jsonable(list(actions)))
    return finished(effects)


def finished(effects: Effects) -> TurnOutcome:
    """The turn's outcome, once its chat's rows are written (see ``write_changes``)."""
    situation = effects.situation
    write_changes(effects.session, situation.contact, situation.conversation, situation.debtor)
    return effects.outcome


def run_dialogue(effects: Effects, situation: Situation, event: Event) -> tuple[object, ...]:
    conversation = situation.conversation
    state = ConversationState.from_dict(conversation.state or {})
    decision = decide(state, event, situation.context)
    actions = with_choices(decision.actions, decision.state)
    language = decision.state.language or conversation.language
    effects.run(actions, language)
    effects.outcome.status = conversation.status
    conversation.state = decision.state.to_dict()
    conversation.language = language
    conversation.updated_at = effects.now
    for hook in effects.after_dialogue:
        hook(effects, language)
    return actions


def unknown_contact(effects: Effects, conversation: Conversation, link: str | None) -> None:
    """Someone we cannot match: a polite reply that discloses nothing; kept for an agent."""
    from bot.dialogue.actions import Reply

    name = policy_for(conversation.channel, effects.settings.channels).unknown_contact_response
    if link == "link_failed":
        name = "link_failed"
    effects.reply(Reply(response=name), conversation.language)
    if conversation.status == "bot":
        conversation.status = handed_off(conversation.status)
        conversation.waiting_since = effects.now
        conversation.handoff_reason = "unknown_contact"
        auto_assign(effects.session, conversation, effects.settings, effects.now)


def safe_parse(interpreter: Interpreter, text: str, now: datetime, language: str) -> Parse:
    """Parse, and never let a parsing bug lose the message: fall back to out_of_scope."""
    try:
        return interpreter.parse(text, now, language=language)
    except Exception:  # the message is already stored; the turn must go on
        log.exception("nlu.parse_failed")
        return Parse(
            text=text,
            language=language,
            intent="out_of_scope",
            confidence=0.0,
            intent_ranking=(("out_of_scope", 0.0),),
            entities=tuple[Entity, ...](),
        )


def reminder_turn(
    session: Session,
    *,
    debtor_id: int,
    template: str,
    key: str,
    vars: dict[str, str],
    now: datetime,
    deps: TurnDeps,
    contact: Contact | None = None,
    respect_contact_hours: bool = True,
) -> TurnOutcome | None:
    """A business-initiated contact. ``None`` if this reminder (key) was already sent or the
    debtor cannot be reached. ``contact`` overrides the preferred one (the simulator)."""
    contact = contact or preferred_contact(session, debtor_id)
    if contact is None:
        return None
    try:
        with session.begin_nested():
            send = ReminderSend(
                debtor_id=debtor_id, idempotency_key=key, template=template, created_at=now
            )
            session.add(send)
            session.flush()
    except IntegrityError:
        return None
    portfolio = PortfolioRepository(session)
    debtor = portfolio.debtor(debtor_id)
    conversation = ConversationRepository(session).for_contact(
        contact, now, conversation_language(debtor, deps.settings)
    )
    if holds_the_bot(conversation.status):
        session.delete(send)  # an agent holds the chat; no reminder
        return None
    effects = turn_effects(
        session,
        conversation,
        contact,
        deps,
        now,
        business_initiated=True,
        template=template,
        actor="cadence",
        respect_contact_hours=respect_contact_hours,
    )
    extra = {k: v for hook in deps.reminder_vars for k, v in hook(effects, template).items()}
    run_dialogue(effects, effects.situation, Reminder(template=template, vars={**vars, **extra}))
    if effects.outcome.queued:
        send.message_id = effects.outcome.queued[0]
    effects.event(EventKind.REMINDER_SENT, template=template, key=key)
    return finished(effects)


def preferred_contact(session: Session, debtor_id: int) -> Contact | None:
    """The reachable contact that answered last, else by channel preference."""
    contacts = [
        c
        for c in PortfolioRepository(session).contacts_of(debtor_id)
        if not c.opted_out and not c.invalid
    ]
    if not contacts:
        return None
    answered = [c for c in contacts if c.last_inbound_at is not None]
    if answered:
        return max(answered, key=lambda c: c.last_inbound_at or c.created_at)
    order = {name: i for i, name in enumerate(CHANNEL_PREFERENCE)}
    return min(contacts, key=lambda c: (order.get(c.channel, 99), c.id))
