"""Answering the question asked, from data: the offers, the breakdown, the shop's facts.

Routed from ``dialogues/flows.yml`` (``by_entity``): a message with a ``topic`` goes to
:func:`answer_question`, a relative answering to :func:`relative_answered`, "não tenho pix"
to :func:`answer_without_method`, "posso pagar em dinheiro?" to :func:`answer_at_store`.
Nothing about the debt is said to an unverified person: the safe topics (who we are, how to
check it is really the shop, paying at the counter) are answered, the rest gets the
identity question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from bot.core.business_days import add_business_days
from bot.core.domain import ScheduledPayment
from bot.dialogue import handlers_offers, handlers_social
from bot.dialogue.actions import (
    LogEvent,
    MarkContactInvalid,
    PauseReminders,
    SendPaymentInfo,
)
from bot.dialogue.answers import (
    SAFE_TOPICS,
    claim_is_recorded,
    claimed_amount,
    deadline_vars,
    next_payment,
    plan_total_vars,
    received_vars,
)
from bot.dialogue.handlers_identity import context_vars
from bot.dialogue.handlers_payments import (
    named_debts,
    named_due,
    payment_info,
    remember_paid_at_store,
)
from bot.dialogue.handlers_safety import hand_off
from bot.dialogue.reading import question_topic
from bot.dialogue.state import CLOSED_BY, NO_METHODS
from bot.dialogue.turn import (
    Handler,
    Step,
    Turn,
    money_str,
    normalise,
    payment_reference,
    say,
)


def usual_route(t: Turn) -> Step:
    """The handler the turn would get without the entity routes (a question we do not
    take, a verified person mentioning a relative)."""
    from bot.dialogue.engine import HANDLERS  # the engine imports us

    intent = t.acted_intent
    names = [e.entity for e in t.parse.entities]
    skip = [rule.entity for rule in t.flows.by_entity]
    return HANDLERS[t.flows.route(t.state.phase, intent, names, parse=t.parse, skip=skip)](t)


def _ask_name(t: Turn) -> bool:
    return t.ctx.settings.identity_check == "confirm_name" and not t.state.verified


def _common(t: Turn) -> dict[str, Any]:
    return {"verified": t.can_disclose, "ask_name": _ask_name(t)}


def _store_open(t: Turn) -> bool:
    settings = t.ctx.settings
    return bool(settings.business_address and settings.store_payment_methods)


def answer_question(t: Turn) -> Step:
    """Answer the ``topic`` of the message; an unverified person gets the safe answers only."""
    topic = question_topic(t.parse) or "other_question"
    if topic == "other_question" and t.parse.value("payment_method") is not None:
        # "can i get a boleto instead": the way to pay asked about, answered as such
        return usual_route(t)
    answer = TOPICS.get(topic)
    if answer is None:
        return usual_route(t)
    if topic not in SAFE_TOPICS and topic != "other_question" and not t.can_disclose:
        return t.step(say("answer_needs_identity", t.ctx, topic=topic), phase="awaiting_identity")
    if topic == "other_question" and not t.can_disclose and t.parse.intent in ABOUT_THE_DEBT:
        # "quanto fica pra hoje?" before the person is confirmed: it is known, just not said
        # yet (it was "essa eu fico devendo, não tenho essa informação")
        return t.step(say("answer_needs_identity", t.ctx, topic=None), phase="awaiting_identity")
    return answer(t)


# a question read as one of these is about the debt: answered once the person is confirmed
ABOUT_THE_DEBT = frozenset(
    {"ask_debt_details", "promise_to_pay", "negotiate", "ask_payment_method", "cannot_pay"}
)


# --- topics safe before identity ----------------------------------------------------------


def _business_identity(t: Turn) -> Step:
    values = _common(t)
    if t.can_disclose and t.debts:
        values["description"] = ", ".join(d.description for d in t.debts)
    return t.step(say("answer_business_identity", t.ctx, **values))


def _number_source(t: Turn) -> Step:
    return t.step(say("answer_number_source", t.ctx, **_common(t)))


def _scam(t: Turn) -> Step:
    return t.step(say("answer_scam", t.ctx, store_open=_store_open(t), **_common(t)))


def _pay_at_store(t: Turn) -> Step:
    if not _store_open(t):
        return hand_off(t, "question", "answer_by_person")
    values: dict[str, Any] = _common(t)
    if t.can_disclose and (t.debts or t.ctx.agreement is not None):
        amount, due = next_payment(t.ctx)
        values.update(amount=money_str(amount), due=due)
    values["methods"] = list(t.ctx.settings.store_payment_methods)
    return t.step(say("answer_pay_at_store", t.ctx, **values))


def _store_hours(t: Turn) -> Step:
    """ "vcs abrem domingo?": where the counter is and when it opens, from config."""
    if not t.ctx.settings.business_address:
        return hand_off(t, "question", "answer_by_person")
    return t.step(say("answer_store_hours", t.ctx, store_open=_store_open(t), **_common(t)))


def _privacy_request(t: Turn) -> Step:
    """ "can you delete my data?" / "quais dados vocês têm de mim?": what we keep and why, and
    the request handed to a person (a data request under the LGPD is answered by the shop)."""
    return hand_off(t, "question", "answer_privacy_request", **_common(t))


def _paid_to_person(t: Turn) -> Step:
    step = hand_off(t, "paid_to_person", "answer_paid_to_person", **_common(t))
    step.actions.insert(0, LogEvent("paid_to_person", {}))
    return step


def _other_question(t: Turn) -> Step:
    """A question no data answers: the not-understood ladder, whose first rung says so
    honestly (then a person is offered, then handed the chat)."""
    return handlers_social.not_understood(t)


# --- topics about the debt (verified only) ------------------------------------------------


def _nothing_open(t: Turn) -> bool:
    return not t.debts and (t.ctx.agreement is None or t.ctx.agreement.status != "active")


def _options(t: Turn) -> Step:
    if _nothing_open(t) or not t.debts:
        return _status(t)
    if t.state.on_screen:
        # "what are my options exactly?" with options shown: the same ones again, explained
        # (refusing them would move on to the next ones, then to a person)
        page = max(t.state.offers_page - 1, 0)
        return handlers_offers.present_offers(t, page=page)
    return handlers_offers.offers(t)


def _breakdown(t: Turn) -> Step:
    if t.acted_intent == "dispute" and "?" not in t.parse.text:
        return usual_route(t)  # "o valor ta errado, foi 400": a claim for a person, not a why
    pending = t.state.pending_plan
    if pending is not None and pending.kind == "installments" and t.says("plan_on_table"):
        # "is there interest on that?" about the plan waiting for "ok": the plan's own
        # summary says its interest (or that it has none) and its total; "pq ta mais alto
        # q 800?" is about the debt, answered below
        return handlers_offers.restate_plan(t)
    if not t.debts:
        return _status(t)
    return t.step(say("answer_breakdown", t.ctx, **context_vars(t.state, t.ctx)))


def _charge_origin(t: Turn) -> Step:
    if not t.debts:
        return _status(t)
    values = {**context_vars(t.state, t.ctx), **received_vars(t.ctx)}
    # "achei que já tinha pago": a receipt sent next is kept as one
    thought_paid = t.parse.intent == "already_paid" or t.state.awaiting_receipt
    return t.step(say("answer_charge_origin", t.ctx, **values), awaiting_receipt=thought_paid)


def _status(t: Turn) -> Step:
    values: dict[str, Any] = {**context_vars(t.state, t.ctx), **received_vars(t.ctx)}
    values["nothing_open"] = _nothing_open(t)
    values["awaiting_receipt"] = t.state.awaiting_receipt
    if t.ctx.payments:
        last = t.ctx.payments[0]
        values.update(
            last_payment_amount=money_str(last.amount), last_payment_date=last.paid_on.isoformat()
        )
    return t.step(say("answer_status", t.ctx, **values))


def _credit_bureau(t: Turn) -> Step:
    if not t.ctx.settings.credit_bureau_policy:
        return hand_off(t, "question", "answer_by_person")
    values = {**context_vars(t.state, t.ctx), "nothing_open": _nothing_open(t)}
    return t.step(say("answer_credit_bureau", t.ctx, **values))


def _consequences(t: Turn) -> Step:
    """ "e se eu não pagar, o que acontece?" / "are you going to sue me?": what really happens
    (the charges of the delay, the shop's credit-bureau policy), calmly, never a threat, and
    the ways out; a shop that set no policy has a person answer."""
    if not t.ctx.settings.credit_bureau_policy:
        return hand_off(t, "question", "answer_by_person")
    values = {**context_vars(t.state, t.ctx), "nothing_open": _nothing_open(t)}
    return t.step(say("answer_consequences", t.ctx, **values))


def _store_agreement(t: Turn) -> Step:
    """ "já fiz acordo com a moça da loja": an agreement we cannot see is checked by a person
    (reminders stop while a person holds the chat); one we have is the status."""
    agreement = t.ctx.agreement
    if agreement is not None and agreement.status in ("active", "pending_approval"):
        return _status(t)
    step = hand_off(t, "store_agreement", "answer_store_agreement", **_common(t))
    step.actions.insert(0, LogEvent("store_agreement_claimed", {}))
    return step


def _product_issue(t: Turn) -> Step:
    """ "mas ele quebrou na primeira semana": sorry, and who solves it (the shop's people);
    the debt is not argued over here."""
    return t.step(say("answer_product_issue", t.ctx, **_common(t)))


def _late_payment(t: Turn) -> Step:
    """ "e se eu atrasar uma parcela?": what really happens, without a threat."""
    agreement = t.ctx.agreement
    values = {
        **context_vars(t.state, t.ctx),
        "grace_days": t.ctx.settings.agreement_grace_days,
        "has_agreement": agreement is not None and agreement.status == "active",
    }
    return t.step(say("answer_late_payment", t.ctx, **values))


def _deadline(t: Turn) -> Step:
    if _nothing_open(t):
        return _status(t)
    if "charge_origin" in t.topics:
        # "venceu quando? e é de qual compra?": the purchases, each with its due date
        return _charge_origin(t)
    named = named_debts(t)
    if named:  # "e o microondas venceu que dia?": that purchase's own date, not the oldest
        return named_due(t, named)
    values = {**context_vars(t.state, t.ctx), **deadline_vars(t.ctx)}
    step = t.step(say("answer_deadline", t.ctx, **values))
    if "promise_due" not in values and "next_due" not in values:
        step.state = step.state.evolve(phase="awaiting_promise_date")  # "sexta" is the day
    return step


def _discount(t: Turn) -> Step:
    """ "tem desconto à vista?": the book's offers, the best price in full among them."""
    if not t.debts:
        return _status(t)
    return handlers_offers.offers(t)


def _plan_dates(t: Turn) -> Step:
    """ "a segunda vence qdo?": every date of the plan waiting for "ok", else of the
    agreement, else the totals on screen, else the due date. "e a próxima vence qdo?" after
    an agreement asks for one installment: its date and amount, not the whole list."""
    agreement = t.ctx.agreement
    if (
        t.state.pending_plan is None
        and agreement is not None
        and agreement.status == "active"
        and agreement.pending
        and t.says("next_one")
        and not t.says("after_next")
    ):
        return _deadline(t)
    return _about_the_plan(t) or (_plan_total(t) if t.state.on_screen else _deadline(t))


def _installment_amount(t: Turn) -> Step:
    """ "qual o valor de cada parcela?": the plan waiting for "ok", else the agreement's
    payments with their amounts, else the totals on screen, else what the intent does (no
    plan yet: "quanto fica a parcela em 5x?" is a negotiation)."""
    if t.parse.value("installments") is not None:
        return usual_route(t)  # "e em 5x, quanto fica a parcela?": that plan
    return _about_the_plan(t) or (_plan_total(t) if t.state.on_screen else usual_route(t))


def _about_the_plan(t: Turn) -> Step | None:
    if t.state.pending_plan is not None:
        return handlers_offers.restate_plan(t)  # its summary lists every date and amount
    agreement = t.ctx.agreement
    if agreement is None or agreement.status not in ("active", "pending_approval"):
        return None
    payments = [
        {
            "number": p.number,
            "due": p.due.isoformat(),
            "amount": money_str(p.amount),
            "paid": p.number in agreement.paid_numbers,
        }
        for p in agreement.payments
    ]
    total = money_str(agreement.total)
    return t.step(say("answer_plan_dates", t.ctx, payments=payments, total=total))


# The installment a message names: "a segunda", "the 2nd one", "a última" (with "a segunda"
# the reading keeps the weekday, so the ordinal is read from the text)
_ORDINALS = {
    "primeira": 1, "first": 1, "1st": 1, "1a": 1,
    "segunda": 2, "second": 2, "2nd": 2, "2a": 2,
    "terceira": 3, "third": 3, "3rd": 3, "3a": 3,
    "quarta": 4, "fourth": 4, "4th": 4, "4a": 4,
    "quinta": 5, "fifth": 5, "5th": 5, "5a": 5,
    "sexta": 6, "sixth": 6, "6th": 6, "6a": 6,
}  # fmt: skip
_LAST = ("ultima", "last")
_ORDINAL = re.compile(r"\b(?:a|as|the)\s+(" + "|".join([*_ORDINALS, *_LAST]) + r")\b")


def _pay_early(t: Turn) -> Step:
    """ "posso pagar a segunda antes?" / "can I pay the second one early?" with an agreement:
    yes, with that installment's amount and its PIX. A payment covers the installments in
    order (``bot.offers.agreements.apply_payment``), so one further on comes with those
    before it: their amounts are said and the PIX is of them all. No agreement: what the
    message says otherwise ("posso adiantar 100?" is a proposal)."""
    agreement = t.ctx.agreement
    if agreement is None or agreement.status != "active" or not agreement.pending:
        return usual_route(t)
    pending = list(agreement.pending)
    wanted = _installment_asked(t, agreement.payments, pending[0].number)
    target = next((p for p in agreement.payments if p.number == wanted), None)
    if target is None or target.number in agreement.paid_numbers:
        return _about_the_plan(t) or usual_route(t)  # every installment, the paid ones marked
    upto = [p for p in pending if p.number <= target.number]
    total = sum((p.amount for p in upto), Decimal(0))
    before = [
        {"number": p.number, "amount": money_str(p.amount), "due": p.due.isoformat()}
        for p in upto[:-1]
    ]
    lead = say(
        "answer_pay_early",
        t.ctx,
        number=target.number,
        amount=money_str(target.amount),
        due=target.due.isoformat(),
        earlier=before,
        total=money_str(total),
    )
    due = None if before else target.due.isoformat()
    return t.step(lead, *payment_info(t, total, "installment", due))


def _installment_asked(t: Turn, payments: Sequence[ScheduledPayment], first: int) -> int:
    """The installment a message names: "a segunda" (2), "a última", else the next one."""
    found = _ORDINAL.search(normalise(t.parse.text))
    if found is None:
        return first
    word = found.group(1)
    if word in _LAST:
        return max((p.number for p in payments), default=first)
    return _ORDINALS[word]


def _plan_total(t: Turn) -> Step:
    if t.parse.value("installments") is not None:
        return usual_route(t)  # "quero em 10x, qto fica no total?": that plan, with its total
    return t.step(say("answer_plan_total", t.ctx, **plan_total_vars(t)))


def _partial_payment(t: Turn) -> Step:
    """ "já paguei 200, pq ta cobrando tudo?": what was received, what is left; a payment we
    cannot see yet is checked from the receipt (reminders pause meanwhile)."""
    if t.state.awaiting_receipt and t.says("whats_left"):
        # "então fica 600 né?" after "já dei 300 na loja": the number is what would be left,
        # not another payment; what is left is said once the store has checked the receipt
        return t.step(say("answer_left_pending", t.ctx, **_common(t)))
    claimed = claimed_amount(t)
    values: dict[str, Any] = {**received_vars(t.ctx), "claimed": None}
    if claimed is not None:
        values["claimed"] = money_str(claimed)
    if claim_is_recorded(t.ctx, claimed):
        return t.step(say("answer_partial_payment", t.ctx, found=True, **values))
    days = t.ctx.settings.already_paid_pause_business_days
    until = add_business_days(t.ctx.today, days, t.ctx.holidays)
    return t.step(
        PauseReminders(until=until, reason="already_paid"),
        say("answer_partial_payment", t.ctx, found=False, until=until.isoformat(), **values),
        phase="awaiting_receipt",
        awaiting_receipt=True,
        extra=remember_paid_at_store(t),
    )


TOPICS: dict[str, Handler] = {
    "options": _options,
    "breakdown": _breakdown,
    "charge_origin": _charge_origin,
    "business_identity": _business_identity,
    "number_source": _number_source,
    "scam": _scam,
    "status": _status,
    "credit_bureau": _credit_bureau,
    "deadline": _deadline,
    "pay_at_store": _pay_at_store,
    "discount": _discount,
    "plan_total": _plan_total,
    "partial_payment": _partial_payment,
    "paid_to_person": _paid_to_person,
    "store_hours": _store_hours,
    "plan_dates": _plan_dates,
    "installment_amount": _installment_amount,
    "pay_early": _pay_early,
    "privacy_request": _privacy_request,
    "late_payment": _late_payment,
    "consequences": _consequences,
    "store_agreement": _store_agreement,
    "product_issue": _product_issue,
    "other_question": _other_question,
}


# --- who answers, how to pay --------------------------------------------------------------


# a relative telling us the debtor is ill or in hospital is wished them well first
UNWELL = frozenset({"hospital", "illness"})


def relative_answered(t: Turn) -> Step:
    """ "sou a mãe dele": thank politely, say nothing of the debt, tell how the debtor can
    reach the shop, and stop writing to this number."""
    if t.state.verified:
        return usual_route(t)
    relative = str(t.parse.value("relative") or "relative")
    return t.step(
        LogEvent("relative_answered", {"relative": relative}),
        MarkContactInvalid(),
        say(
            "relative_answered",
            t.ctx,
            relative=relative,
            deceased=t.parse.value("hardship") == "death",
            unwell=t.parse.value("hardship") in UNWELL,
            store_open=_store_open(t),
        ),
        phase="closed",
        on_screen=(),
        pending_plan=None,
        extra={**t.state.extra, CLOSED_BY: "relative"},
    )


def answer_at_store(t: Turn) -> Step:
    """ "posso pagar em dinheiro?" / "aceita cartão?": the counter, when it takes that."""
    method = str(t.parse.value("payment_method") or "")
    if method == "card" and t.acted_intent == "negotiate":
        return _card_installments(t)
    if not _store_open(t) or method not in t.ctx.settings.store_payment_methods:
        return usual_route(t)
    if method == "card" and not at_store(t):
        return usual_route(t)  # "aceita cartão?" alone: how to pay from here (link or PIX)
    return _pay_at_store(t)


def _card_installments(t: Turn) -> Step:
    """ "pode parcelar no cartão de crédito?": the card question answered from the shop's
    facts first (a card only at the counter, or not at all), then what can be done here (the
    plans the book offers, or the one asked for)."""
    counter = _store_open(t) and "card" in t.ctx.settings.store_payment_methods
    lead = say("answer_card_installments", t.ctx, at_counter=counter, **_common(t))
    step = usual_route(t)
    step.actions.insert(0, lead)
    return step


def at_store(t: Turn) -> bool:
    """Whether the message says paying at the store ("passo na loja sábado")."""
    return "pay_at_store" in t.topics


def answer_without_method(t: Turn) -> Step:
    """ "não tenho pix": never a PIX; the other ways the shop takes, the counter first."""
    missing = {str(v) for v in t.parse.all_values("no_payment_method")}
    settings = t.ctx.settings
    remote = [m for m in settings.remote_payment_methods if m not in missing]
    at_store = [m for m in settings.store_payment_methods if m not in missing]
    store_open = bool(settings.business_address and at_store)
    if not remote and not store_open:
        return hand_off(
            t, "payment_method", "answer_without_method_person", missing=sorted(missing)
        )
    asked = str(t.parse.value("payment_method") or "")
    offered = {*settings.remote_payment_methods, *settings.store_payment_methods, *missing}
    values: dict[str, Any] = {
        **_common(t),
        "missing": sorted(missing),
        "remote": remote,
        "methods": at_store,
        "store_open": store_open,
        # "manda um boleto? não uso pix" with no boletos: said first, then the other ways
        "unavailable": asked if asked and asked not in offered else "",
    }
    remembered = sorted({*t.state.extra.get(NO_METHODS, ()), *missing})
    extra = {**t.state.extra, NO_METHODS: remembered}
    if t.can_disclose and (t.debts or t.ctx.agreement is not None):
        amount, due = next_payment(t.ctx)
        values.update(amount=money_str(amount), due=due)
        if "link" in remote:  # a payment link (card, boleto...) goes in the same message
            reference = payment_reference(t.ctx.debtor.ref, "alt", t.ctx.today.strftime("%m%d"))
            return t.step(
                SendPaymentInfo(amount=amount, reference=reference, method="link"),
                say("answer_without_method", t.ctx, sending="link", **values),
                extra=extra,
            )
    return t.step(say("answer_without_method", t.ctx, sending=None, **values), extra=extra)


HANDLERS: dict[str, Handler] = {
    "answer_question": answer_question,
    "relative_answered": relative_answered,
    "answer_at_store": answer_at_store,
    "answer_without_method": answer_without_method,
}
