"""Carries out the dialogue's actions inside the turn's transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.conversation.assignment import auto_assign
from bot.conversation.facts import Situation
from bot.conversation.jsonable import to_jsonable
from bot.core.business_days import add_business_days
from bot.core.enums import EventKind, handed_off
from bot.dialogue import actions as act
from bot.dialogue.responses import ResponseBook, business_vars
from bot.offers.payments import METHODS as PROVIDER_METHODS
from bot.offers.payments import PaymentInstructions, PaymentProvider
from bot.store.conversations import MessageRepository
from bot.store.ledger import EventLog, LedgerRepository
from bot.store.portfolio import PortfolioRepository
from bot.store.tables import Conversation

log = logging.getLogger(__name__)

REPLY_FAILED = "reply_unavailable"  # said when a text cannot be rendered (``reply_failed``)


@dataclass
class TurnOutcome:
    """What a turn changed, for the caller (wake the sender, push live updates)."""

    queued: list[int] = field(default_factory=list)
    # of those, the ones due at once: message id -> (conversation id, channel, address), so
    # the sender can go straight to its claim without a look at the outbox for them
    routes: dict[int, tuple[int, str, str]] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    handed_off: bool = False
    conversation_id: int | None = None
    status: str = "bot"  # the conversation's status after the turn


# runs after each dialogue decision with (effects, language): e.g. the portal's link offer,
# installed by the runtime's wiring so this package never imports the portal
DialogueHook = Callable[["Effects", str], None]


class Effects:
    """Executes one decision's actions. Every change goes into ``session``; no commit here."""

    def __init__(
        self,
        session: Session,
        situation: Situation,
        *,
        settings: Settings,
        responses: ResponseBook,
        payments: PaymentProvider,
        now: datetime,
        business_initiated: bool = False,
        template: str | None = None,
        actor: str = "bot",
        inbound_message_id: int | None = None,
        respect_contact_hours: bool = True,
        after_dialogue: Sequence[DialogueHook] = (),
    ) -> None:
        self.after_dialogue = tuple(after_dialogue)
        self.session = session
        self.situation = situation
        self.settings = settings
        self.responses = responses
        self.payments = payments
        self.now = now
        self.business_initiated = business_initiated
        self.template = template
        self.actor = actor
        self.inbound_message_id = inbound_message_id
        self.respect_contact_hours = respect_contact_hours
        self.outcome = TurnOutcome(conversation_id=situation.conversation.id)
        self._instructions: PaymentInstructions | None = None
        self._fallback: int | None = None  # the "a person will answer" of a failed text
        self._messages = MessageRepository(session)
        self._ledger = LedgerRepository(session)
        self._events = EventLog(session)
        self._portfolio = PortfolioRepository(session)

    @property
    def conversation(self) -> Conversation:
        return self.situation.conversation

    @property
    def debtor_id(self) -> int | None:
        return self.situation.debtor.id if self.situation.debtor else None

    def event(self, kind: EventKind, **data: Any) -> None:
        self._events.append(
            kind,
            at=self.now,
            actor=self.actor,
            debtor_id=self.debtor_id,
            conversation_id=self.conversation.id,
            data=to_jsonable(data),
        )
        self.outcome.events.append(kind.value)

    def run(self, actions: tuple[act.Action, ...], language: str) -> None:
        for action in actions:
            self.apply(action, language)

    def apply(self, action: act.Action, language: str) -> None:  # noqa: C901 - a dispatch table
        match action:
            case act.Reply():
                self.reply(action, language)
            case act.RecordPromise(due=due, amount=amount):
                self.record_promise(due, amount)
            case act.WithdrawPromise():
                self.withdraw_promise()
            case act.PresentOffers(plans=plans):
                self.event(
                    EventKind.OFFERS_PRESENTED,
                    offer_ids=[p.offer_id for p in plans],
                    count=len(plans),
                    totals=[str(p.total) for p in plans],
                )
            case act.RefuseOffers(offer_ids=ids):
                self.event(EventKind.OFFERS_REFUSED, offer_ids=list(ids))
            case act.CreateAgreement(plan=plan, needs_approval=needs):
                self.create_agreement(plan, needs_approval=needs or plan.needs_approval)
            case act.SendPaymentInfo():
                self.payment_info(action, language)
            case act.HandOff(reason=reason):
                self.hand_off(reason)
            case act.OptOut():
                self.situation.contact.opted_out = True
                self.situation.contact.opted_out_at = self.now
                self.event(EventKind.OPT_OUT, channel=self.situation.contact.channel)
            case act.MarkContactInvalid():
                self.situation.contact.invalid = True
                self.event(EventKind.CONTACT_INVALID, channel=self.situation.contact.channel)
            case act.OpenDispute(debt_refs=refs, text=text):
                self.open_dispute(refs, text)
            case act.ScheduleContact(at=at, reason=reason):
                if self.debtor_id is not None:
                    self._ledger.schedule_contact(self.debtor_id, at, reason, self.now)
                self.event(EventKind.CONTACT_SCHEDULED, at=at, reason=reason)
            case act.PauseReminders(until=until, reason=reason):
                if self.situation.debtor is not None:
                    self.situation.debtor.reminders_paused_until = until
                self.event(EventKind.REMINDERS_PAUSED, until=until, reason=reason)
            case act.KeepReceipt(media_url=url, content_type=ctype):
                self.keep_receipt(url, ctype)
            case act.LogEvent(kind=kind, data=data):
                self.event(EventKind(kind), **data)  # the dialogue names its kinds as text

    # --- individual effects -------------------------------------------------------------

    def reply(self, reply: act.Reply, language: str) -> int:
        """Queue the text of ``reply``; the message's id."""
        if self._instructions is not None:
            # the payment details are only known here (they need configuration)
            reply = act.Reply(
                response=reply.response,
                vars={**self.payment_vars(), **reply.vars},
                options=reply.options,
                choices=reply.choices,
                attach_pix_qr=reply.attach_pix_qr,
                variant=reply.variant,
            )
        try:
            text = self.responses.render(
                reply, language, seed=self.situation.context.seed, business=self.business_vars()
            )
        except Exception as exc:
            return self.reply_failed(reply, language, exc)
        extra: dict[str, Any] = {}
        if reply.options:
            extra["buttons"] = [{"title": t, "payload": p} for t, p in reply.options]
        if reply.choices is not None:
            try:
                extra.update(self.choices_extra(reply.choices, language))
            except Exception as exc:  # the text stands without its buttons (it lists them)
                log.error("reply.render_failed", extra={"response": "choices", "error": str(exc)})
        if reply.attach_pix_qr and self._instructions and self._instructions.pix_code:
            extra["pix_code"] = self._instructions.pix_code
        if self.business_initiated and self.template:
            extra["template_vars"] = {k: str(v) for k, v in reply.vars.items()}
        send_after = self.contact_hours_start() if self.business_initiated else None
        message_id = self._messages.queue_outbound(
            self.conversation,
            text=text,
            at=self.now,
            sender="bot",
            business_initiated=self.business_initiated,
            template=self.template if self.business_initiated else None,
            extra=extra or None,
            send_after=send_after,
        )
        self.conversation.last_message_at = self.now
        self.outcome.queued.append(message_id)
        if send_after is None:
            conversation = self.conversation
            route = (conversation.id, conversation.channel, self.situation.contact.address)
            self.outcome.routes[message_id] = route
        return message_id

    def reply_failed(self, reply: act.Reply, language: str, error: Exception) -> int:
        """A text that cannot be rendered (an edit to ``dialogues/`` that reads a variable
        its reply does not get): the debtor hears a person will answer and a person takes
        the chat, rather than the turn failing and the debtor hearing nothing. Said once a
        turn. A reminder (nobody asked anything) or a broken fallback fails as before."""
        log.error(
            "reply.render_failed",
            extra={"response": reply.response, "error": f"{type(error).__name__}: {error}"},
        )
        if self.business_initiated or reply.response == REPLY_FAILED:
            raise error
        if self._fallback is None:
            self._fallback = self.reply(act.Reply(response=REPLY_FAILED), language)
            self.hand_off("reply_failed", response=reply.response)  # which text, for the fix
        return self._fallback

    def choices_extra(self, choices: act.Choices, language: str) -> dict[str, Any]:
        """The tappable answers in ``language``, as the outbox keeps them for the sender."""

        business = self.business_vars()

        def text(name: str, values: dict[str, Any]) -> str:
            return self.responses.render_label(name, values, language, business)

        buttons: list[dict[str, str]] = []
        for choice in choices.items:
            button = {"title": text(choice.label, choice.vars), "payload": choice.id}
            if choice.detail:
                button["description"] = text(choice.detail, choice.vars)
            buttons.append(button)
        return {
            "buttons": buttons,
            "choice_kind": choices.kind.value,
            "choices_button": text("choices_button", {}),
        }

    def contact_hours_start(self) -> datetime | None:
        """When a message we start may go: now, or the next allowed time (a payment
        confirmed at night is thanked in the morning). None when hours do not apply."""
        if not self.respect_contact_hours:
            return None
        from bot.cadence.calendar import next_allowed

        debtor = self.situation.debtor
        tz = (debtor.timezone if debtor else None) or self.settings.business.timezone
        state = (debtor.state if debtor else None) or self.settings.business.state
        at = next_allowed(self.now, self.settings.cadence, tz, state)
        return at if at > self.now else None

    def payment_vars(self) -> dict[str, Any]:
        info = self._instructions
        if info is None:
            return {}
        return {
            "pix_code": info.pix_code,
            "pix_key": info.pix_key,
            "psp_charge": info.txid is not None,  # paid by its code, matched on arrival
            "payment_link": info.link,
            "boleto_line": info.boleto_line,
            "payment_amount": info.amount,
        }

    def business_vars(self) -> dict[str, Any]:
        return business_vars(self.situation.context.settings)

    def record_promise(self, due: date, amount: Decimal) -> None:
        if self.debtor_id is None:
            return
        self._ledger.record_promise(
            debtor_id=self.debtor_id,
            conversation_id=self.conversation.id,
            due=due,
            amount=amount,
            created_by=self.actor,
            now=self.now,
        )
        self.event(EventKind.PROMISE_RECORDED, due=due, amount=amount)

    def withdraw_promise(self) -> None:
        if self.debtor_id is None:
            return
        current = self._ledger.open_promise(self.debtor_id)
        if current is None:
            return
        current.status = "withdrawn"
        current.resolved_at = self.now
        self.event(EventKind.PROMISE_WITHDRAWN, due=current.due, amount=current.amount)

    def create_agreement(self, plan: Any, *, needs_approval: bool) -> None:
        if self.debtor_id is None:
            return
        status = "pending_approval" if needs_approval else "active"
        row = self._ledger.create_agreement(
            debtor_id=self.debtor_id,
            conversation_id=self.conversation.id,
            plan=plan,
            status=status,
            now=self.now,
        )
        for debt in self._portfolio.debts_of(self.debtor_id):
            if debt.status == "open":
                debt.status = "in_agreement"
                debt.agreement_id = row.id
        promise = self._ledger.open_promise(self.debtor_id)
        if promise is not None:
            promise.status = "replaced"
            promise.resolved_at = self.now
        self.event(
            EventKind.AGREEMENT_CREATED
            if status == "active"
            else EventKind.AGREEMENT_PENDING_APPROVAL,
            agreement_id=row.id,
            offer_id=plan.offer_id,
            total=plan.total,
            installments=plan.installments,
            installment_amount=plan.installment_amount,
            first_due=plan.first_due,
        )
        self.event(EventKind.OFFER_ACCEPTED, offer_id=plan.offer_id, agreement_id=row.id)

    def payment_info(self, action: act.SendPaymentInfo, language: str) -> None:
        from bot.payments.provider import ChargingPaymentProvider

        debtor = self.situation.debtor
        # The asked method when the provider knows it, and PIX as the fallback: "card"
        # or "cash" used to raise, and a boleto without a gateway sent an empty message.
        methods = tuple(m for m in dict.fromkeys((action.method, "pix")) if m in PROVIDER_METHODS)
        if isinstance(self.payments, ChargingPaymentProvider) and debtor is not None:
            # a PSP charge per payment asked, so its Pix is reported back by txid
            self._instructions = self.payments.issue(
                self.session,
                debtor=debtor,
                amount=action.amount,
                reference=action.reference,
                methods=methods,
                now=self.now,
                debt_refs=action.debt_refs,
            )
        else:
            self._instructions = self.payments.instructions(
                amount=action.amount,
                reference=action.reference,
                debtor_name=debtor.name if debtor else "",
                methods=methods,
            )
        self.event(
            EventKind.PAYMENT_INSTRUCTIONS_SENT,
            method=action.method,
            amount=action.amount,
            reference=action.reference,
            pix=bool(self._instructions.pix_code),
            txid=self._instructions.txid,
            # "só o liquidificador": a receipt sent after this pays those debts first
            **({"debt_refs": list(action.debt_refs)} if action.debt_refs else {}),
        )

    @property
    def instructions(self) -> PaymentInstructions | None:
        return self._instructions

    def hand_off(self, reason: str, **data: Any) -> None:
        conversation = self.conversation
        if conversation.status in ("bot", "closed"):
            conversation.status = handed_off(conversation.status)
            conversation.waiting_since = self.now
        conversation.handoff_reason = reason
        self.outcome.handed_off = True
        self.event(EventKind.HANDOFF, reason=reason, **data)
        auto_assign(self.session, conversation, self.settings, self.now)

    def open_dispute(self, refs: tuple[str, ...], text: str) -> None:
        if self.debtor_id is None:
            return
        debts = self._portfolio.debts_of(self.debtor_id)
        chosen = [d for d in debts if not refs or d.ref in refs]
        for debt in chosen:
            if debt.status in ("open", "in_agreement"):
                debt.status = "disputed"
        self.event(EventKind.DISPUTE_OPENED, debt_refs=[d.ref for d in chosen])

    def keep_receipt(self, url: str | None, content_type: str | None) -> None:
        if self.inbound_message_id is None:
            return
        self._ledger.add_receipt(
            debtor_id=self.debtor_id,
            message_id=self.inbound_message_id,
            media_url=url,
            content_type=content_type,
            now=self.now,
        )
        self.event(EventKind.RECEIPT_RECEIVED, content_type=content_type)
        self.payment_under_review()

    def payment_under_review(self) -> None:
        """A receipt puts the open debts under review and holds reminders while it is
        matched with a received Pix or checked by a person (bot.payments.receipts)."""
        debtor = self.situation.debtor
        if debtor is None:
            return
        for debt in self._portfolio.debts_of(debtor.id):
            if debt.status in ("open", "in_agreement"):
                debt.under_review = True
                debt.updated_at = self.now
        today = self.now.astimezone(ZoneInfo(self.settings.business.timezone)).date()
        until = add_business_days(
            today, self.settings.payments.receipt_review_days, self.situation.context.holidays
        )
        if debtor.reminders_paused_until is None or debtor.reminders_paused_until < until:
            debtor.reminders_paused_until = until
        self.event(EventKind.PAYMENT_UNDER_REVIEW, until=until)
