"""Promises to pay, hardship and "talk to me later"."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.core.business_days import add_business_days
from bot.core.domain import DebtView
from bot.core.months import MONTHS
from bot.dialogue.actions import (
    Action,
    RecordPromise,
    RefuseOffers,
    ScheduleContact,
    WithdrawPromise,
)
from bot.dialogue.handlers_offers import (
    hardship_offers,
    in_full_on_a_day,
    negotiate,
    pay_in_full_question,
    present_offers,
    request_approval,
)
from bot.dialogue.handlers_payments import (
    CLAIMED_PAID,
    PAYING_REFS,
    debts_on_days,
    debts_total,
    paying_total,
)
from bot.dialogue.reading import says_day_off
from bot.dialogue.rest_day import split_days, split_parts
from bot.dialogue.state import PLAN_LATER, PROMISED_NOW, TALK_LATER
from bot.dialogue.turn import Step, Turn, as_amount, as_date, money_str, normalise, say

# a clause's intent at least this sure is enough to add the balance to "which day?"
CLAUSE_HINT = 0.3

# "na loja" said before the day: the day asked next is a visit to the counter too
AT_STORE = "at_store"


def promise_to_pay(t: Turn) -> Step:
    """ "pago sexta": record it when the day is allowed; no day: ask; too far: offers.

    The amount is the one said, else the updated balance (``ctx.balance.total``: principal
    plus the book's charges), which is what settles the debt on that day.
    """
    if t.parse.value("installments") is not None:
        return negotiate(t)  # "3x com a primeira dia 10": a plan with its first date
    if _nothing_owed(t):
        # "o resto pago sexta" after the Pix settled everything: no promise of R$ 0,00
        return t.step(say("debt_details_none", t.ctx))
    in_full = in_full_on_a_day(t) or pay_in_full_question(t)
    if in_full is not None:
        return in_full  # "se eu quitar hj a vista tem desconto?": the price, not a promise
    said = as_amount(t.parse.value("amount"))
    if said is not None:
        t = replace(t, state=t.state.evolve(extra={**t.state.extra, "promise_amount": str(said)}))
    per_debt = debts_on_days(t) if said is None else None
    if per_debt is not None:
        step = _debts_on_their_days(t, per_debt)
        if step is not None:
            return step
    split = split_days(t) if said is not None else None
    parts = split_parts(t) if split is not None else None
    if parts is not None:
        many = parts_and_rest(t, *parts)
        if many is not None:
            return many
    if split is not None and said is not None:
        return part_and_rest(t, said, *split)
    halves = _half_days(t) if said is None else None
    if halves is not None:
        # "metade hj e metade na sexta": half on the first day, the rest by the second
        half = (t.ctx.balance.total / 2).quantize(Decimal("0.01"))
        return part_and_rest(t, half, *halves)
    if said is None and t.says("a_part") and not t.says("whole_balance"):
        asked = _ask_part_amount(t)
        if asked is not None:
            return asked  # "dia 10 consigo pagar uma parte": how much, that day?
    part_day = as_date(t.state.extra.get(PART_DAY))
    due = _said_date(t) or (part_day if said is not None else None)
    if due is None:
        # "whats left now? can i do the rest next week": what is left, then which day
        # (a clause's own best guess is enough: it only adds the balance to the question)
        asks_total = t.can_disclose and any(
            c.intent == "ask_debt_details" and c.confidence >= CLAUSE_HINT for c in t.parse.clauses
        )
        return t.step(
            say(
                "ask_promise_date",
                t.ctx,
                max_days=t.ctx.offers.promise_max_days,
                total=money_str(t.ctx.balance.total) if asks_total else None,
            ),
            phase="awaiting_promise_date",
        )
    limit = t.ctx.today + timedelta(days=t.ctx.offers.promise_max_days)
    if due > limit and t.state.extra.get("too_far_asked"):
        # "I just need till the 15th" again after the offers: a person decides on the date.
        return request_approval(t, asked_date=due.isoformat(), max_date=limit.isoformat())
    if due > limit and not t.debts and _in_agreement(t):
        # "posso mudar o vencimento pro dia 15?" with everything in an agreement: a change
        # to it (a person's), not "the 15th is past what I can note" for a promise
        return negotiate(t)
    if due < t.ctx.today or due > limit:
        name = "promise_date_past" if due < t.ctx.today else "promise_too_far"
        lead = say(name, t.ctx, date=due.isoformat(), max_date=limit.isoformat())
        step = present_offers(t, page=0, reason="promise_limit")
        step.actions.insert(0, lead)
        if due > limit:
            step.state = step.state.evolve(extra={**step.state.extra, "too_far_asked": True})
        return step
    method = t.parse.value("payment_method")
    # "I'll swing by after work and pay cash": cash is paid at the counter, so the promise
    # says where it is and when it opens, as "vou pagar na loja" does
    cash = method == "cash" and "cash" in t.ctx.settings.store_payment_methods
    at_store = (
        "pay_at_store" in t.topics or cash or bool(t.state.extra.get(AT_STORE) and method is None)
    )
    open_days = t.ctx.settings.store_open_days
    if at_store and open_days and due.weekday() not in open_days:
        return _store_closed(t, due, limit)
    stored = t.state.extra.get("promise_amount")
    balance = t.ctx.balance.total
    part = None if stored is not None or t.says("whole_balance") else paying_total(t)
    if part is not None:
        # "quanto fica só o liquidificador?" ... "blz vou pagar ele hj": that one's amount
        stored = str(part)
    amount = as_amount(stored) or balance
    if balance > 0 and amount > balance:
        amount = balance  # "vou pagar 1000" on a balance of 460,65: the balance settles it
    # a promise of its own amount: no longer "só o sofá" for the next "manda o pix"
    drop = (
        ("promise_amount", AT_STORE, REST_ASKED, PART_DAY)
        if part is not None
        else ("promise_amount", AT_STORE, PAYING_REFS, REST_ASKED, PART_DAY)
    )
    extra = {k: v for k, v in t.state.extra.items() if k not in drop}
    rest: list[Action] = []
    if amount < balance and _rest_later(t):
        rest.append(say("promise_rest_later", t.ctx, rest=money_str(balance - amount)))
    # the PIX asked in the same message ("hoje consigo 300, manda o pix") is for this promise
    extra = {**extra, PROMISED_NOW: promised_now(amount, due)}
    if t.state.awaiting_receipt and said is None and _says_the_rest(t):
        # "mandei 200 ontem" ... "o resto pago dia 30": what is left is only known once the
        # store checks that payment; the whole balance said back reads as "your 200 is lost"
        claimed = as_amount(t.state.extra.get(CLAIMED_PAID))
        left = None
        if claimed is not None and Decimal(0) < claimed < balance:
            # the figure said back, so the payment told of is seen to count (still to check)
            amount = left = balance - claimed
            extra[PROMISED_NOW] = promised_now(amount, due)
        return t.step(
            RecordPromise(due=due, amount=amount),
            say(
                "promise_rest_pending",
                t.ctx,
                date=due.isoformat(),
                rest=None if left is None else money_str(left),
                claimed=None if claimed is None else money_str(claimed),
            ),
            phase="open",
            extra=extra,
            on_screen=(),
            pending_plan=None,
        )
    earlier = t.ctx.open_promise
    if (
        said is None
        and (
            _says_the_rest(t)
            or t.state.phase == REST_ASKED_PHASE
            and bool(t.state.extra.get(REST_ASKED))
        )
        and earlier is not None
        and earlier.amount < balance
        and t.ctx.today <= earlier.due <= due
    ):
        # "pago 200 hoje" ... "e o resto eu pago dia 10": that part on its day and what is
        # left by the 10th, said as such (not the whole balance as if nothing were promised)
        return part_and_rest(t, earlier.amount, earlier.due, due)
    return t.step(
        RecordPromise(due=due, amount=amount),
        say(
            "promise_recorded",
            t.ctx,
            date=due.isoformat(),
            amount=money_str(amount),
            is_today=due == t.ctx.today,
            is_tomorrow=due == t.ctx.today + timedelta(days=1),
            at_store=at_store,
            # where the counter is and when it opens, unless a question about paying there
            # ("aceita cartão?") is answered next with the same
            show_counter=at_store and (method is None or (cash and not _asks_method(t))),
        ),
        *rest,
        phase="open",
        extra=extra,
        on_screen=(),
        pending_plan=None,
    )


_HALVES = re.compile(
    r"\bmetade\b.*\b(?:metade|resto|restante|outra)\b|\bhalf\b.*\b(?:half|rest|other)\b"
)


def _half_days(t: Turn) -> tuple[date, date] | None:
    """(the first half's day, the second half's day) for "metade hj e metade sexta" / "half
    today, half on friday": two days said, or one after today (the first half is today)."""
    if not _HALVES.search(normalise(t.parse.text)):
        return None
    days = sorted({d for e in t.parse.entities if e.entity == "date" and (d := as_date(e.value))})
    days = [d for d in days if d >= t.ctx.today]
    limit = t.ctx.today + timedelta(days=t.ctx.offers.promise_max_days)
    if not days or days[-1] > limit:
        return None
    first = days[0] if len(days) > 1 else t.ctx.today
    return (first, days[-1]) if days[-1] > first else None


def promised_now(amount: Decimal, due: date) -> dict[str, str]:
    """The ``PROMISED_NOW`` value: what this turn promised, for a PIX asked in the same
    message (the promise is not stored yet when its amount is chosen)."""
    return {"amount": money_str(amount), "due": due.isoformat()}


def parts_and_rest(t: Turn, parts: list[tuple[Decimal, date]], rest_day: date) -> Step | None:
    """ "300 hoje e 300 sexta e o resto dia 10": each part on its day and the rest by the
    rest's day, all said back (one promise is open at a time: the whole balance by the rest's
    day, as ``part_and_rest``). None when the parts and days do not fit the promise rules
    (more than is owed, a day gone, the rest past the limit): the one-part rules decide."""
    balance = t.ctx.balance.total
    limit = t.ctx.today + timedelta(days=t.ctx.offers.promise_max_days)
    paid = sum((amount for amount, _ in parts), Decimal(0))
    if paid >= balance or parts[0][1] < t.ctx.today or rest_day > limit:
        return None
    if rest_day <= parts[-1][1]:
        return None
    drop = ("promise_amount", AT_STORE, REST_ASKED)
    extra = {k: v for k, v in t.state.extra.items() if k not in drop}
    extra[PROMISED_NOW] = promised_now(*parts[0])
    tomorrow = t.ctx.today + timedelta(days=1)
    said = [
        {
            "amount": money_str(amount),
            "date": day.isoformat(),
            "is_today": day == t.ctx.today,
            "is_tomorrow": day == tomorrow,
        }
        for amount, day in parts
    ]
    return t.step(
        RecordPromise(due=rest_day, amount=balance),
        say(
            "promise_parts_and_rest",
            t.ctx,
            parts=said,
            rest=money_str(balance - paid),
            rest_date=rest_day.isoformat(),
            rest_is_tomorrow=rest_day == tomorrow,
        ),
        phase="open",
        extra=extra,
        on_screen=(),
        pending_plan=None,
    )


def _debts_on_their_days(
    t: Turn, per_debt: list[tuple[tuple[DebtView, ...], date]]
) -> Step | None:
    """ "vou pagar o fone sexta e o celular dia 10": the first day's purchases on that day and
    the rest by the last day, each named (the balance promised by the last day, as "150 hj e
    o resto dia 10"). None past the promise limit or with more than two days: the usual
    rules decide."""
    limit = t.ctx.today + timedelta(days=t.ctx.offers.promise_max_days)
    if len(per_debt) != 2:
        return None
    (first, first_day), (last, last_day) = per_debt
    if first_day < t.ctx.today or last_day > limit:
        return None
    part = debts_total(t, first)
    names = (", ".join(d.description for d in first), ", ".join(d.description for d in last))
    return part_and_rest(t, part, first_day, last_day, names=names)


def part_and_rest(
    t: Turn,
    part: Decimal,
    part_day: date,
    rest_day: date,
    names: tuple[str, str] | None = None,
) -> Step:
    """ "150 hj e o resto dia 10": the whole balance promised by the rest's day, the part on
    its own day (its PIX, if asked, is for the part). One promise is open at a time, so the
    rest's day is the promise's; a rest day past the promise limit is a plan instead (a
    down payment and the rest on that day of the month, or the nearest the book allows)."""
    balance = t.ctx.balance.total
    limit = t.ctx.today + timedelta(days=t.ctx.offers.promise_max_days)
    if part >= balance or part_day < t.ctx.today:
        return t.step(
            say("ask_promise_date", t.ctx, max_days=t.ctx.offers.promise_max_days),
            phase="awaiting_promise_date",
        )
    if rest_day > limit:
        return negotiate(t)
    drop = ("promise_amount", AT_STORE, REST_ASKED)
    extra = {k: v for k, v in t.state.extra.items() if k not in drop}
    extra[PROMISED_NOW] = promised_now(part, part_day)
    return t.step(
        RecordPromise(due=rest_day, amount=balance),
        say(
            "promise_part_and_rest",
            t.ctx,
            amount=money_str(part),
            date=part_day.isoformat(),
            is_today=part_day == t.ctx.today,
            is_tomorrow=part_day == t.ctx.today + timedelta(days=1),
            rest=money_str(balance - part),
            rest_date=rest_day.isoformat(),
            rest_is_tomorrow=rest_day == t.ctx.today + timedelta(days=1),
            part_names=names[0] if names else None,
            rest_names=names[1] if names else None,
        ),
        phase="open",
        extra=extra,
        on_screen=(),
        pending_plan=None,
    )


def _asks_method(t: Turn) -> bool:
    """Whether the message also asks about paying that way ("posso pagar em dinheiro?"): the
    answer about the counter comes next, and says where it is."""
    threshold = t.ctx.settings.nlu_threshold
    return t.parse.intent == "ask_payment_method" or any(
        c.intent == "ask_payment_method" and c.confidence >= threshold for c in t.parse.clauses
    )


def _nothing_owed(t: Turn) -> bool:
    agreement = t.ctx.agreement
    if agreement is not None and agreement.status in ("active", "pending_approval"):
        return False
    # every debt paid (the paid ones may not even be loaded); a disputed one is still there
    return not t.debts and all(d.status == "paid" or d.balance <= 0 for d in t.ctx.debts)


def _store_closed(t: Turn, due: date, limit: date) -> Step:
    """ "passo na loja domingo": the counter does not open that day. Say so, with the open
    days nearest to it, and wait for another day (still at the store)."""
    open_days = t.ctx.settings.store_open_days
    earlier = (due - timedelta(days=k) for k in range(1, 7))
    later = (due + timedelta(days=k) for k in range(1, 7))
    before = next((d for d in earlier if d >= t.ctx.today and d.weekday() in open_days), None)
    after = next((d for d in later if d <= limit and d.weekday() in open_days), None)
    return t.step(
        say(
            "store_closed_that_day",
            t.ctx,
            date=due.isoformat(),
            before=before.isoformat() if before else None,
            after=after.isoformat() if after else None,
            pix="pix" in t.ctx.settings.remote_payment_methods,
        ),
        phase="awaiting_promise_date",
        extra={**t.state.extra, AT_STORE: True},
    )


_REST_WORDS = r"o\s+resto|o\s+restante|o\s+que\s+falta|the\s+rest|the\s+remainder|what'?s\s+left"
_THE_REST = re.compile(rf"\b(?:{_REST_WORDS})\b")


def _says_the_rest(t: Turn) -> bool:
    return _THE_REST.search(normalise(t.parse.text)) is not None


# "e o resto?" answered: the next day said is the rest's (the part keeps its own day)
REST_ASKED = "rest_asked"
REST_ASKED_PHASE = "awaiting_promise_date"
# "e o resto?" / "and the rest?" alone: a question about what a part leaves
_REST_QUESTION = re.compile(
    rf"^(?:e|and|mas|but|what\s+about)?\s*(?:{_REST_WORDS})"
    r"(?:\s+(?:como\s+fica|fica\s+como|then))?\s*\??$"
)


def asks_about_the_rest(t: Turn) -> bool:
    """ "e o resto?" with an open promise of part of the balance (no day or sum said)."""
    promise = t.ctx.open_promise
    if promise is None or promise.status != "open" or not t.can_disclose:
        return False
    if t.parse.value("date") is not None or t.parse.value("amount") is not None:
        return False
    if promise.amount >= t.ctx.balance.total:
        return False
    return _REST_QUESTION.match(normalise(t.parse.text).strip()) is not None


def the_rest(t: Turn) -> Step:
    """What the promised part leaves, and the choice: a day for it, or a plan."""
    promise = t.ctx.open_promise
    assert promise is not None  # asks_about_the_rest
    left = t.ctx.balance.total - promise.amount
    return t.step(
        say(
            "rest_after_part",
            t.ctx,
            part=money_str(promise.amount),
            part_date=promise.due.isoformat(),
            is_today=promise.due == t.ctx.today,
            rest=money_str(left),
            max_days=t.ctx.offers.promise_max_days,
        ),
        phase=REST_ASKED_PHASE,
        extra={**t.state.extra, REST_ASKED: True},
    )


def _rest_later(t: Turn) -> bool:
    """ "... e o resto depois", "200 na sexta, o resto só no outro mês": the part promised is
    not all of it (an amount said beside "the rest" is that part)."""
    if t.says("rest_at_once"):
        return True
    return t.parse.value("amount") is not None and bool(
        re.search(
            r"\b(?:o\s+resto|o\s+restante|the\s+rest|the\s+remainder)\b", normalise(t.parse.text)
        )
    )


# "dia 10 consigo pagar uma parte": the day kept while the amount is asked
PART_DAY = "part_day"


def _ask_part_amount(t: Turn) -> Step | None:
    """A part on a day, no amount: how much? (the balance promised by that day would not be
    what was said). None without a day the promise rules allow."""
    day = _said_date(t)
    limit = t.ctx.today + timedelta(days=t.ctx.offers.promise_max_days)
    if day is None or not t.ctx.today <= day <= limit or not t.can_disclose:
        return None
    return t.step(
        say(
            "ask_part_amount",
            t.ctx,
            date=day.isoformat(),
            is_today=day == t.ctx.today,
            is_tomorrow=day == t.ctx.today + timedelta(days=1),
            total=money_str(t.ctx.balance.total),
        ),
        phase="awaiting_promise_date",
        extra={**t.state.extra, PART_DAY: day.isoformat()},
    )


def _in_agreement(t: Turn) -> bool:
    agreement = t.ctx.agreement
    return agreement is not None and agreement.status in ("active", "pending_approval")


def _said_date(t: Turn) -> date | None:
    """The day of the promise: with several ("não vou conseguir sexta, pode ser dia 2?") and
    a no among them, the last one said is the new day."""
    dates = [d for d in (as_date(v) for v in t.parse.all_values("date")) if d is not None]
    if _disagreeing_days(t):
        return None  # "sexta dia 1", and the 1st is no Friday: ask which day
    if len(dates) > 1 and any(w in f" {normalise(t.parse.text)} " for w in NEGATIONS):
        return dates[-1]
    if not dates and t.says("paying_now") and not t.says("day_off"):
        return t.ctx.today  # "vou pagar só 100 agora, pode ser?": today, not "which day?"
    return dates[0] if dates else None


def _disagreeing_days(t: Turn) -> bool:
    """Two different days said side by side ("sexta dia 1"): the NLU merges them when the
    weekday and the number agree, so two left next to each other disagree."""
    spans = sorted((e for e in t.parse.entities if e.entity == "date"), key=lambda e: e.start)
    return any(
        a.value != b.value and not t.parse.text[a.end : b.start].strip(" ,-")
        for a, b in zip(spans, spans[1:], strict=False)
    )


NEGATIONS = (" nao ", " n ", " not ", " can t ", " cant ", " won t ", " wont ", "n't ")


def ask_day(t: Turn) -> Step:
    """ "sim, consigo pagar": which day? With a day already agreed, "blz" is just an ok."""
    promise = t.ctx.open_promise
    if promise is not None and promise.status == "open" and t.state.phase == "open":
        from bot.dialogue.handlers_social import acknowledge

        return acknowledge(t)
    if t.state.phase == "open" and t.says("but_asks") and _asks_a_topic(t):
        return t.step()  # "blz mas pq ta mais caro?": the answer follows, no "qual dia?"
    if t.state.phase == "open" and t.state.extra.get(TALK_LATER):
        # "me chama depois das 18h" ... "ok": agreed to talk later, not asked for a day now
        return t.step(say("callback_acknowledged", t.ctx))
    return t.step(
        say("ask_promise_date", t.ctx, max_days=t.ctx.offers.promise_max_days),
        phase="awaiting_promise_date",
    )


def which_day(t: Turn) -> Step:
    """ "can i pay on the weekend instead?": a day asked for, even with one agreed."""
    return t.step(
        say("ask_promise_date", t.ctx, max_days=t.ctx.offers.promise_max_days),
        phase="awaiting_promise_date",
    )


def _asks_a_topic(t: Turn) -> bool:
    return bool(t.topics - {"other_question"})


# A person grieving is not shown plans: condolences, and a later word. (A hospital stay is
# often told in the past, "tava no hospital, não vi as msg": plans then, unless the message
# says not now, a ``no_means`` keyword.)
NOT_NOW_HARDSHIPS = frozenset({"death"})


def _no_means(t: Turn) -> bool:
    if t.parse.value("hardship") in NOT_NOW_HARDSHIPS:
        return True
    return t.says("no_means")


def cannot_pay(t: Turn) -> Step:
    """Empathy first, then offers suited to hardship; "nothing at all" or "let's talk again
    in january": talk later."""
    off = _promise_called_off(t)
    if _no_means(t) or t.state.phase in ("offers_presented", "confirming_plan"):
        step = no_means(t)
    elif t.says("talk_later") or _month_said(t) is not None:
        step = no_means(t)  # "can't pay now, can we talk again in january?": then, no offers
    else:
        step = hardship_offers(t)
        step.actions.insert(0, say("cannot_pay", t.ctx))
    step.actions[:0] = off
    return step


def _promise_called_off(t: Turn) -> list[Action]:
    """ "não vou conseguir pagar sexta" with Friday promised: that promise is off."""
    promise = t.ctx.open_promise
    said = as_date(t.parse.value("date"))
    if promise is None or promise.status != "open" or said != promise.due:
        return []
    return [WithdrawPromise()] if says_day_off(t.parse, t.flows) else []


def no_means(t: Turn) -> Step:
    """No way to pay now, not even the offers: leave the door open and call again later
    (when the person said ("can we talk again in january?"), else a few days from now)."""
    ids = tuple(p.offer_id for p in t.state.on_screen)
    if t.state.pending_plan is not None and t.state.pending_plan.offer_id not in ids:
        ids += (t.state.pending_plan.offer_id,)
    days = t.ctx.settings.no_means_followup_days
    at = t.ctx.now + timedelta(days=days)
    month = _month_said(t)
    day = as_date(t.parse.value("date")) or _vague_day(t)
    if day is not None and day > t.ctx.today:
        if day == month:  # "em janeiro": its first working day, not New Year's Day
            day = add_business_days(day - timedelta(days=1), 1, t.ctx.holidays)
            month = day
        at = datetime.combine(day, t.ctx.now.timetz())
    else:
        day = None
    actions: list[Action] = []
    if ids:
        actions = [RefuseOffers(ids)]
    return t.step(
        *actions,
        ScheduleContact(at=at, reason="no_means"),
        say(
            "no_means",
            t.ctx,
            date=at.date().isoformat(),
            days=days,
            asked=day is not None,
            month=day is not None and day == month,
        ),
        phase="open",
        on_screen=(),
        pending_plan=None,
    )


def _local_tz(t: Turn) -> ZoneInfo | None:
    name = t.ctx.debtor.timezone
    try:
        return ZoneInfo(name) if name else None
    except (KeyError, ValueError):
        return None


# A time of day said with the callback ("depois das 18h", "at 3pm", "amanhã de manhã").
_CLOCK_PT = re.compile(r"\b(\d{1,2})(?:\s*h(?:oras?)?(?:\s*(\d{2}))?|:(\d{2}))(?![\w/])")
_CLOCK_EN = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|o'?clock)(?!\w)")
# "text me after 6", "depois das 7": a bare hour after these; 1 to 7 is the evening (no one
# asks to be written to at 6 in the morning after work)
_CLOCK_BARE = re.compile(
    r"\b(?:after|around|depois\s+das?|a\s+partir\s+das?|apos\s+as?|pelas|la\s+pelas)\s+"
    r"(\d{1,2})(?::(\d{2}))?(?![\w/:])"
)
LATEST_MORNING_HOUR = 7
_PART_OF_DAY = (
    (("de manha", "pela manha", "cedo", "morning"), time(9, 0)),
    (
        ("a tarde", "de tarde", "pela tarde", "afternoon", "after lunch", "depois do almoco"),
        time(14, 0),
    ),
    (("a noite", "de noite", "noitinha", "evening", "tonight"), time(19, 0)),
)


def time_said(text: str) -> time | None:
    """The time of day in a "talk later" message, if it says one."""
    plain = normalise(text)
    match = _CLOCK_EN.search(plain)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        suffix = match.group(3)
        if suffix.startswith("p") and hour < 12:
            hour += 12
        elif suffix.startswith("a") and hour == 12:
            hour = 0
        return time(hour, minute) if hour < 24 and minute < 60 else None
    match = _CLOCK_PT.search(plain)
    if match:
        hour = int(match.group(1))
        minute = int(match.group(2) or match.group(3) or 0)
        return time(hour, minute) if hour < 24 and minute < 60 else None
    match = _CLOCK_BARE.search(plain)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if 1 <= hour <= LATEST_MORNING_HOUR:
            hour += 12
        return time(hour, minute) if hour < 24 and minute < 60 else None
    for words, at in _PART_OF_DAY:
        if any(w in plain for w in words):
            return at
    return None


def _vague_day(t: Turn) -> date | None:
    """ "semana que vem" (next Monday), "mês que vem" (the 1st of next month), "em janeiro"
    (the 1st of the next January), else None."""
    today = t.ctx.today
    if t.says("later_next_week"):
        return today + timedelta(days=7 - today.weekday())
    if t.says("later_next_month"):
        return date(today.year + today.month // 12, today.month % 12 + 1, 1)
    return _month_said(t)


# A month alone, said of a later talk or payment ("can we talk again in january?", "só
# consigo pagar em março"): "lost my job in september" is a past month, not a day to call;
# "may" only counts after "in", and "dia 5 de janeiro" (a date) is left to the NLU.
_MONTH_SAID = re.compile(
    r"\b(?:talk|speak|call|text|message|write|contact|reach|chat|again|back|pay|falar|fala|"
    r"falamos|conversar|conversa|conversamos|chama|chamar|liga|ligar|volta|voltar|retorna|"
    r"retornar|novo|novamente|pagar|pago|acertar|acerto)\b[^.?!,;]{0,30}?"
    r"\b(?:in|em|until|till|ate|pra|para|no\s+comeco\s+de|no\s+inicio\s+de|early)\s+("
    + "|".join(sorted(MONTHS, key=len, reverse=True))
    + r")\b(?!\s*\d)"
)


def _month_said(t: Turn) -> date | None:
    """The 1st of the month named alone ("em janeiro"), the next one after this month."""
    match = _MONTH_SAID.search(normalise(t.parse.text))
    if match is None:
        return None
    month = MONTHS[match.group(1)]
    today = t.ctx.today
    if month == today.month:
        return None
    year = today.year if month > today.month else today.year + 1
    return date(year, month, 1)


def callback_later(t: Turn) -> Step:
    """ "me chama depois": the day and time said, else a few hours from now.

    A day without a time keeps the current time of day; a time without a day is today (or
    tomorrow when that time has passed). The runtime moves it into contact hours.
    """
    day = as_date(t.parse.value("date")) or _vague_day(t)
    clock = time_said(t.parse.text)
    now = t.ctx.now
    tz = _local_tz(t) or now.tzinfo
    local_now = now.astimezone(tz)
    if day is not None and day < t.ctx.today:
        day = None
    if day is None and clock is not None:
        day = t.ctx.today
        if datetime.combine(day, clock, tzinfo=tz) <= local_now:
            day = day + timedelta(days=1)
    if day is not None and (day > t.ctx.today or clock is not None):
        at_clock = clock or time(local_now.hour, local_now.minute)
        at = datetime.combine(day, at_clock, tzinfo=tz)
    else:
        day = None
        at = now + timedelta(hours=t.ctx.settings.callback_default_hours)
    return t.step(
        ScheduleContact(at=at, reason="callback_later"),
        say(
            "callback_ok",
            t.ctx,
            date=day.isoformat() if day is not None else None,
            time=clock.strftime("%H:%M") if clock is not None else None,
            same_day=day == t.ctx.today,
            hours=t.ctx.settings.callback_default_hours,
        ),
        **_plan_waits(t, talk_later=at.isoformat()),
    )


def _plan_waits(t: Turn, *, talk_later: str | None = None) -> dict[str, object]:
    """ "vou ver e te falo" to "posso fechar?": the plan stays on the table, and a "👍" to
    our "talk later" is not taken as the yes (see ``confirm_plan``). ``talk_later``: when we
    write again, so that the "ok" answering it is no yes to paying (see ``ask_day``)."""
    extra = dict(t.state.extra)
    if talk_later is not None:
        extra[TALK_LATER] = talk_later
    if t.state.phase == "confirming_plan":
        extra[PLAN_LATER] = int(extra.get(PLAN_LATER, 0)) + 1  # counted up: one more turn
    return {"extra": extra} if extra != t.state.extra else {}


def follow_up(t: Turn) -> Step:
    """ "vou ver com meu marido e te aviso": no pressure; if we hear nothing, we write again
    on the next working day (a day said in the message wins)."""
    tz = _local_tz(t) or t.ctx.now.tzinfo
    local_now = t.ctx.now.astimezone(tz)
    day = as_date(t.parse.value("date")) or _vague_day(t)
    if day is None or day <= t.ctx.today:
        day = add_business_days(t.ctx.today, 1, t.ctx.holidays)
    at = datetime.combine(day, time(local_now.hour, local_now.minute), tzinfo=tz)
    return t.step(
        ScheduleContact(at=at, reason="follow_up"),
        say("follow_up_ok", t.ctx, date=day.isoformat()),
        phase="open",
    )
