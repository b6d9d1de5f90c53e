"""Already paid, receipts, debt details and how to pay."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

from bot.core.business_days import add_business_days
from bot.core.domain import DebtView
from bot.dialogue.actions import KeepReceipt, PauseReminders, Reply, SendPaymentInfo
from bot.dialogue.context import PaymentView
from bot.dialogue.handlers_identity import context_vars, identity_required
from bot.dialogue.state import PROMISED_NOW
from bot.dialogue.turn import (
    Step,
    Turn,
    as_amount,
    as_date,
    money_str,
    normalise,
    payment_reference,
    say,
)

RECEIPT_KINDS = ("image", "document")
METHODS = ("pix", "boleto", "card", "link", "transfer", "cash")


def already_paid(t: Turn) -> Step:
    """Thank, ask for the receipt, pause reminders while the business checks. With the
    receipt already attached ("segue o comprovante" and a photo), keep it and say so."""
    days = t.ctx.settings.already_paid_pause_business_days
    until = add_business_days(t.ctx.today, days, t.ctx.holidays)
    pause = PauseReminders(until=until, reason="already_paid")
    attached = _receipts(t)
    if attached:
        return t.step(pause, *attached, say("receipt_received", t.ctx), phase="open")
    if t.state.extra.get(FILE_SENT_ON) == t.ctx.today.isoformat() and not t.says("no_receipt"):
        # the photo came first, the words after ("segue o comprovante"): it is here already
        return t.step(pause, say("receipt_received", t.ctx), phase="open", awaiting_receipt=False)
    if t.says("no_receipt"):
        # "paguei em dinheiro na loja, não tenho comprovante": nothing to send, so a person
        # checks the store's own records (asking again for a receipt there is none of)
        from bot.dialogue.handlers_safety import hand_off

        at_store = _paid_at_store(t) or bool(t.state.extra.get(PAID_AT_STORE))
        step = hand_off(t, "already_paid", "no_receipt_check", at_store=at_store)
        step.actions.insert(0, pause)
        step.state = step.state.evolve(awaiting_receipt=True)
        return step
    seen = _just_confirmed(t)
    if seen is not None:
        # "blz paguei" right after the store confirmed that payment (and we said so): it is
        # here, no receipt to send and no pause of reminders
        return t.step(
            say(
                "already_paid_seen",
                t.ctx,
                amount=money_str(seen.amount),
                date=seen.paid_on.isoformat(),
                is_today=seen.paid_on == t.ctx.today,
            )
        )
    if t.state.phase == "awaiting_receipt" and t.parse.value("amount") is None:
        # "vou mandar o comprovante" after we asked for it: no need to say it all again
        return t.step(pause, say("receipt_awaited", t.ctx))
    return t.step(
        pause,
        # "ja paguei 200 mes passado": the amount said is repeated, so it is known it was heard
        say(
            "already_paid", t.ctx, until=until.isoformat(), days=days, paid=t.parse.value("amount")
        ),
        phase="awaiting_receipt",
        awaiting_receipt=True,
        extra=remember_paid_at_store(t),
    )


# a payment confirmed this recently is the one "paguei" speaks of (the store told them so)
JUST_CONFIRMED_DAYS = 3


def _just_confirmed(t: Turn) -> PaymentView | None:
    """The payment the store confirmed in the last days that "paguei" (with that amount or
    none) tells of, if any; a receipt sent along is kept as usual instead."""
    if t.media or not t.ctx.payments or t.says("another_payment"):
        return None
    latest = t.ctx.payments[0]
    if (t.ctx.today - latest.paid_on).days > JUST_CONFIRMED_DAYS:
        return None
    claimed = as_amount(t.parse.value("amount"))
    return latest if claimed is None or claimed == latest.amount else None


def receipt_how(t: Turn) -> Step:
    """ "should i send a pic of it?" after we asked for the receipt: yes, here in the chat
    (it was "I don't have that information")."""
    return t.step(say("receipt_how", t.ctx))


# state.extra: the day a file came unprompted (a receipt, nearly always)
FILE_SENT_ON = "file_sent_on"

# state.extra: the payment the person told of was made at the counter (in cash, say)
PAID_AT_STORE = "paid_at_store"


# state.extra: the amount of the payment told of and not yet checked ("mandei 200 ontem"):
# "o resto pago dia 30" next is the balance less it, confirmed once the store checks
CLAIMED_PAID = "claimed_paid"


def remember_paid_at_store(t: Turn) -> dict[str, Any]:
    """The state's extra, noting a payment told of at the counter (for a later "no receipt")
    and the amount said to be paid, if any (for a later "the rest on the 30th")."""
    extra = {**t.state.extra, PAID_AT_STORE: True} if _paid_at_store(t) else dict(t.state.extra)
    claimed = as_amount(t.parse.value("amount"))
    if claimed is not None:
        extra[CLAIMED_PAID] = money_str(claimed)
    return extra


def _paid_at_store(t: Turn) -> bool:
    """ "paguei em dinheiro na loja": the store's register has it, receipt or not."""
    return "pay_at_store" in t.topics or t.parse.value("payment_method") == "cash"


def _receipts(t: Turn) -> list[KeepReceipt]:
    return [
        KeepReceipt(media_url=m.url, content_type=m.content_type)
        for m in t.media
        if m.kind in RECEIPT_KINDS
    ]


def media(t: Turn) -> Step:
    """A photo or a PDF in a collections chat is, nearly always, a payment receipt: kept for
    the team to check (and matched with the PSP's Pix), reminders paused as after "já paguei".
    Audio, stickers, and files from a chat with nothing to pay: text only, please."""
    keep = _receipts(t)
    if keep and t.state.awaiting_receipt:
        return t.step(*keep, say("receipt_received", t.ctx), awaiting_receipt=False, phase="open")
    if keep and (t.debts or t.ctx.agreement is not None):
        days = t.ctx.settings.already_paid_pause_business_days
        until = add_business_days(t.ctx.today, days, t.ctx.holidays)
        return t.step(
            PauseReminders(until=until, reason="receipt_sent"),
            *keep,
            # the phase stays: a file proves nobody's identity
            say("receipt_received_unprompted", t.ctx),
            # "ja paguei ontem, segue o comprovante" written under it: that file is the one
            extra={**t.state.extra, FILE_SENT_ON: t.ctx.today.isoformat()},
        )
    kinds = sorted({m.kind for m in t.media})
    return t.step(say("media_text_only", t.ctx, kinds=kinds))


def ask_debt_details(t: Turn) -> Step:
    """How much, since when, what for: only to a verified person."""
    if not t.can_disclose:
        return identity_required(t)
    if not t.debts and t.ctx.agreement is None:
        return t.step(say("debt_details_none", t.ctx))
    return t.step(say("debt_details", t.ctx, **context_vars(t.state, t.ctx)))


def _what_to_pay(t: Turn) -> tuple[Decimal, str, str | None]:
    """Amount, purpose and due date of the next payment we expect."""
    agreement = t.ctx.agreement
    if agreement is not None and agreement.status == "active":
        pending = list(agreement.pending)
        if pending:
            return pending[0].amount, "installment", pending[0].due.isoformat()
    paying = _paying(t)
    if paying:
        # "quero pagar só o liquidificador" ... "manda o pix": that one's amount
        return debts_total(t, paying), "debt", None
    promised = t.state.extra.get(PROMISED_NOW)
    if isinstance(promised, dict):  # "hoje consigo 300, manda o pix": that promise's PIX
        return Decimal(str(promised["amount"])), "promise", str(promised["due"])
    said = as_amount(t.parse.value("amount"))
    if said is not None and said < t.ctx.balance.total:
        # "manda um pix de 200 que é o que eu tenho agora": that much, not the whole balance
        return said, "balance", None
    promise = t.ctx.open_promise
    if promise is not None and promise.status == "open":
        return promise.still_owed(t.ctx.balance.total), "promise", promise.due.isoformat()
    return t.ctx.balance.total, "balance", None


def ask_payment_method(t: Turn) -> Step:
    """How to pay: the payment info for the next expected amount (PIX unless asked)."""
    if not t.can_disclose:
        return identity_required(t)
    if not t.debts and t.ctx.agreement is None:
        return t.step(say("debt_details_none", t.ctx))
    amount, purpose, due = _what_to_pay(t)
    # paying some of several debts: the same reference and debts as the code already sent
    paying = tuple(d.ref for d in _paying(t)) if purpose == "debt" else ()
    return t.step(*payment_info(t, amount, purpose, due, paying))


def payment_info(
    t: Turn, amount: Decimal, purpose: str, due: str | None, refs: tuple[str, ...] = ()
) -> tuple[SendPaymentInfo, Reply]:
    """The payment's instructions (the asked method, else PIX) and the message carrying
    them; ``refs`` when only those debts are paid."""
    raw = t.parse.value("payment_method")
    method = str(raw) if raw in METHODS else "pix"
    reference = _installment_reference(t) if purpose == "installment" else None
    reference = reference or _reference(t, purpose[:3], refs)
    return (
        SendPaymentInfo(amount=amount, reference=reference, method=method, debt_refs=refs),
        say(
            "payment_info",
            t.ctx,
            attach_pix_qr=method == "pix",
            method=method,
            amount=money_str(amount),
            due=due,
            purpose=purpose,
            # "qual a chave pix? prefiro digitar": the key first, when the code is static
            key_asked=t.says("pix_key_asked"),
        ),
    )


# --- one debt of several ("quero pagar só o liquidificador") --------------------------------

PAYING_REFS = "paying_refs"  # state.extra: the debts the person said they pay now
# Words too common in a collections chat to name a debt, even when a description holds them
_NOT_A_NAME = frozenset(
    {
        "parcela",
        "parcelas",
        "compra",
        "compras",
        "pagamento",
        "conta",
        "divida",
        "valor",
        "loja",
        "credito",
        "crediario",
        "carne",
        "boleto",
        "pix",
        "total",
        "saldo",
        "resto",
        "item",
        "itens",
        "produto",
        "pedido",
        "payment",
        "purchase",
        "balance",
        "order",
        "store",
        "credit",
        "debt",
        "bill",
        "account",
    }
)
TYPO_RATIO = 0.85
_SHORT = frozenset({"de", "do", "da", "dos", "das", "com", "sem", "para", "the", "and", "of"})
_PAY_WORDS = re.compile(r"\b(?:pag\w*|pix|quit\w*|boleto|pay\w*|settle)\b")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", normalise(text))


def _names(debt: DebtView, words: list[str]) -> bool:
    parts = _words(debt.description)
    keys = [w for w in parts if len(w) >= 3 and w not in _SHORT]
    keys = [k for k in keys if k not in _NOT_A_NAME and not k.isdigit()]
    if 1 < len(parts) <= 3:
        keys.append("".join(parts))  # "Micro-ondas" is written "microondas"
    for key in keys:
        for word in words:
            if word in (key, key + "s", key + "es") or key in (word + "s", word + "es"):
                return True
            close = SequenceMatcher(None, key, word).ratio() > TYPO_RATIO
            if len(key) >= 6 and len(word) >= 5 and close:
                return True  # "liquidifcador", "geladiera"
    return False


# a part of a message that puts a debt off ("o celular eu vejo mês que vem")
PUT_OFF = frozenset({"callback_later", "cannot_pay"})


def named_debts(t: Turn) -> tuple[DebtView, ...]:
    """The open debts a message names by their description, when it names some but not all
    ("manda o pix só do sofá" with a sofa and a blender open); else none. A message naming
    them all, one to pay and the others put off in a part of their own ("quero pagar só o
    fone agora, o celular eu vejo mês que vem"), names the ones to pay."""
    debts = t.debts
    if len(debts) < 2 or not t.can_disclose:
        return ()
    words = _words(t.parse.text)
    named = tuple(d for d in debts if _names(d, words))
    if len(named) < len(debts):
        return named
    return paid_now_put_off_rest(t)


def paid_now_put_off_rest(t: Turn) -> tuple[DebtView, ...]:
    """The debts a part of the message pays that no part putting a debt off names ("I can pay
    the headphones now, the phone I can't pay until next month": the headphones), when that
    is some but not all of them; else none."""
    debts = t.debts
    if len(debts) < 2 or not t.can_disclose:
        return ()
    paying = [c for c in t.parse.clauses if c.intent not in PUT_OFF and wants_to_pay(c.text)]
    put_off = [c for c in t.parse.clauses if c.intent in PUT_OFF]
    if not paying or not put_off:
        return ()
    now = tuple(
        d
        for d in debts
        if any(_names(d, _words(c.text)) for c in paying)
        and not any(_names(d, _words(c.text)) for c in put_off)
    )
    return now if 0 < len(now) < len(debts) else ()


def debts_on_days(t: Turn) -> list[tuple[tuple[DebtView, ...], date]] | None:
    """ "vou pagar o fone sexta e o celular dia 10": each open debt named with the day said
    after it, grouped by day, earliest first; None unless every open debt (two or more) is
    named, each before a day of its own, on two days or more."""
    debts = t.debts
    if len(debts) < 2 or not t.can_disclose:
        return None
    text = t.parse.text
    days = sorted(
        (e.start, d)
        for e in t.parse.entities
        if e.entity == "date" and (d := as_date(e.value)) is not None
    )
    if len(days) < 2:
        return None
    spans = [(m.start(), m.group()) for m in re.finditer(r"\w+", text)]
    placed: dict[DebtView, date] = {}
    for debt in debts:
        at = next((start for start, word in spans if _names(debt, _words(word))), None)
        if at is None:
            return None
        after = [day for start, day in days if start > at]
        if not after:
            return None
        placed[debt] = after[0]
    by_day: dict[date, tuple[DebtView, ...]] = {}
    for debt, day in placed.items():
        by_day[day] = (*by_day.get(day, ()), debt)
    if len(by_day) < 2:
        return None
    return [(by_day[day], day) for day in sorted(by_day)]


def named_due(t: Turn, named: tuple[DebtView, ...]) -> Step:
    """ "e o microondas venceu que dia?": the due date of each purchase named."""
    items = [
        {"description": d.description, "due": d.due.isoformat(), "overdue": d.due < t.ctx.today}
        for d in named
    ]
    return t.step(say("named_debt_due", t.ctx, items=items))


def wants_to_pay(text: str) -> bool:
    """Whether a message speaks of paying ("quero pagar só o sofá", "just the blender pls")."""
    return bool(_PAY_WORDS.search(normalise(text)))


def debts_total(t: Turn, debts: tuple[DebtView, ...]) -> Decimal:
    """What these debts amount to today, with their own late fee and interest."""
    return t.ctx.offers.balance(debts, t.ctx.today).total


def _paying(t: Turn) -> tuple[DebtView, ...]:
    refs = t.state.extra.get(PAYING_REFS) or ()
    return tuple(d for d in t.debts if d.ref in refs)


def paying_total(t: Turn) -> Decimal | None:
    """The amount of the debts the person said they pay now, if they said so."""
    paying = _paying(t)
    return debts_total(t, paying) if paying else None


def _reference(t: Turn, purpose: str, refs: tuple[str, ...] = ()) -> str:
    return payment_reference(t.ctx.debtor.ref, purpose, t.ctx.today.strftime("%m%d"), *refs)


def _installment_reference(t: Turn) -> str | None:
    """The agreement's next installment keeps the reference its code had when the agreement
    was made (``handlers_offers``): "manda o pix" again must not label the same payment
    another way in the shop's statement."""
    agreement = t.ctx.agreement
    pending = agreement.pending if agreement is not None else ()
    if agreement is None or not pending:
        return None
    return payment_reference(t.ctx.debtor.ref, agreement.offer_id, str(pending[0].number))


def pay_named(t: Turn) -> Step:
    """Some of several debts named: "quero pagar só o liquidificador" (its amount today and
    its PIX), "pago o sofá sexta" (a promise of the sofa's amount), "quanto fica só o sofá?"
    (its amount). The rest stays open; a later "manda o pix" is for the one named."""
    from bot.dialogue.handlers_promises import promise_to_pay

    named = named_debts(t)
    amount = debts_total(t, named)
    others = [d.description for d in t.debts if d not in named]
    values: dict[str, Any] = {
        "items": [d.description for d in named],
        "others": others,
        "amount": money_str(amount),
    }
    extra = {**t.state.extra, PAYING_REFS: [d.ref for d in named]}
    if t.acted_intent == "promise_to_pay" and t.parse.value("date") is not None:
        amount_said = t.parse.value("amount")
        promise_extra = dict(extra)
        if amount_said is None:
            promise_extra["promise_amount"] = str(amount)
        step = promise_to_pay(replace(t, state=t.state.evolve(extra=promise_extra)))
        step.state = step.state.evolve(extra={**step.state.extra, PAYING_REFS: extra[PAYING_REFS]})
        return step
    if "deadline" in t.topics:
        return named_due(t, named)  # "when was the blender due?": its date, not its amount
    if t.acted_intent == "ask_debt_details":
        return t.step(say("named_debt_amount", t.ctx, **values), extra=extra)
    refs = tuple(d.ref for d in named)
    return t.step(
        say("named_debt_pay", t.ctx, **values),
        *payment_info(t, amount, "debt", None, refs),
        extra=extra,
    )
