"""Offers, the debtor's own proposals, choosing, confirming and closing an agreement.

Offers shown, refused and accepted reach the event log through the PresentOffers,
RefuseOffers and CreateAgreement actions (the runtime records each one); only the debtor's
own proposal gets an extra LogEvent("proposal") with what was asked for.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.core.domain import Plan, first_payment_days
from bot.core.parse import Entity, Parse
from bot.dialogue.actions import (
    Action,
    CreateAgreement,
    HandOff,
    LogEvent,
    PresentOffers,
    RecordPromise,
    RefuseOffers,
    Reply,
    SendPaymentInfo,
)
from bot.dialogue.handlers_payments import METHODS
from bot.dialogue.reading import question_topic
from bot.dialogue.state import NO_METHODS, PLAN_LATER, PROMISED_NOW
from bot.dialogue.turn import (
    Step,
    Turn,
    as_date,
    money_str,
    normalise,
    payment_reference,
    plan_vars,
    say,
)

HARDSHIP_SEGMENT = "hardship"


def _all_plans(t: Turn, segment: str | None) -> list[Plan]:
    return list(
        t.ctx.offers.plans_for(
            t.debts,
            t.ctx.today,
            segment=segment,
            first_due_days=_first_due_days(t),
        )
    )


def _first_due_days(t: Turn) -> int:
    """``offers.first_due_days`` ahead, and not before a due date still to come."""
    return first_payment_days(t.debts, t.ctx.today, t.ctx.settings.first_due_days)


def present_offers(
    t: Turn,
    *,
    page: int = 0,
    segment: str | None = None,
    reason: str = "default",
    refused: Plan | None = None,
) -> Step:
    """Show page ``page`` of the book's plans (never the ``refused`` one again); with
    nothing left, hand off to a person."""
    if not t.debts:
        return _agreement_change(t) or t.step(say("debt_details_none", t.ctx), phase="open")
    seg = segment if segment is not None else (t.state.offers_segment or t.ctx.debtor.segment)
    plans = [p for p in _all_plans(t, seg) if refused is None or not _same_plan(p, refused)]
    size = max(t.ctx.settings.offers_per_message, 1)
    chunk = tuple(plans[page * size : (page + 1) * size])
    if not chunk:
        name = "no_offers" if page == 0 else "handoff_offers_refused"
        why = "no_offers" if page == 0 else "offers_refused"
        return t.step(
            HandOff(why),
            say(name, t.ctx, agent_hours=t.ctx.settings.agent_hours_text),
            phase="with_agent",
            resume_phase="open",
            handoff_reason=why,
            on_screen=(),
            pending_plan=None,
        )
    ids = tuple(p.offer_id for p in chunk)
    actions: list[Action] = [
        PresentOffers(chunk),
        say(
            "offers",
            t.ctx,
            plans=[plan_vars(p, i + 1) for i, p in enumerate(chunk)],
            more=page > 0,
            reason=reason,
            has_more=len(plans) > (page + 1) * size,
            # the first time, the balance the offers start from ("qto ta minha divida?")
            balance=money_str(t.ctx.balance.total) if not t.state.offers_shown else None,
            # "da pra parcelar? e qual o pix?": the PIX comes with the option chosen
            pix_next=t.parse.value("payment_method") == "pix",
        ),
    ]
    shown = t.state.offers_shown + tuple(i for i in ids if i not in t.state.offers_shown)
    return Step(
        actions,
        t.state.evolve(
            phase="offers_presented",
            on_screen=chunk,
            pending_plan=None,
            offers_page=page + 1,
            offers_segment=seg,
            offers_shown=shown,
        ),
    )


def _same_plan(a: Plan, b: Plan) -> bool:
    """The same payments asked for (a counter-proposal of "100 por mês" is the book's 12x of
    100 when they match)."""
    return (a.kind, a.installments, a.installment_amount, a.down_payment, a.total) == (
        b.kind,
        b.installments,
        b.installment_amount,
        b.down_payment,
        b.total,
    )


def offers(t: Turn) -> Step:
    """Show the first offers (or the next ones when some are already on screen)."""
    if t.state.on_screen:
        return refuse_offers(t)
    return present_offers(t, reason="default")


def no_agreement_now(t: Turn) -> Step:
    """ "mas eu tinha feito um acordo" with none active: an agreement ends when an installment
    is too late (the balance is open again), said without blame, and the offers again."""
    step = present_offers(t, reason="default")
    grace = t.ctx.settings.agreement_grace_days
    step.actions.insert(0, say("no_agreement_now", t.ctx, grace_days=grace))
    return step


def price_complaint(t: Turn) -> Step:
    """ "tá caro esse juros hein" / "the fees are too high": heard, then what costs less (the
    offers, the price in full first); with offers already on screen, the other ones."""
    if not t.can_disclose:
        from bot.dialogue.handlers_social import not_understood

        return not_understood(t)
    step = offers(t)
    step.actions.insert(0, say("price_complaint", t.ctx, has_offers=bool(t.state.on_screen)))
    return step


def hardship_offers(t: Turn) -> Step:
    """Offers suited to hardship: the debtor's segment, else the book's "hardship" one.

    Those very offers just shown ("😭😭😭" got them, then "to sem grana esse mes"): not the
    same list again, but the lightest of them pointed at, and the door left open."""
    segment = t.ctx.debtor.segment or HARDSHIP_SEGMENT
    on_screen = t.state.on_screen
    if t.state.phase == "offers_presented" and on_screen and t.state.offers_segment == segment:
        number, lightest = min(
            enumerate(on_screen, start=1), key=lambda item: item[1].installment_amount
        )
        return t.step(say("hardship_offers_on_screen", t.ctx, plan=plan_vars(lightest, number)))
    return present_offers(t, segment=segment, reason="hardship")


def _decimal(value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _plan_by_kind(t: Turn) -> Step | None:
    """ "prefiro parcelado" / "à vista" with plans on screen: that kind of plan, first shown.

    With nothing on screen, only the payment in full is picked this way ("se eu quitar hoje
    à vista tem desconto?"): the book's pay-in-full plan with its discount, never a promise
    of the full price.
    """
    plans = t.state.on_screen
    groups: tuple[tuple[str, str], ...] = (
        ("installments", "wants_installments"),
        ("pay_in_full", "wants_in_full"),
    )
    if not plans:
        if not t.debts:
            return None
        plans = tuple(_all_plans(t, t.state.offers_segment or t.ctx.debtor.segment))
        groups = (("pay_in_full", "wants_in_full"),)
    for kind, group in groups:
        if t.says(group):
            for index, plan in enumerate(plans, start=1):
                if plan.kind == kind:
                    return t.step(
                        say(
                            "plan_summary",
                            t.ctx,
                            plan=plan_vars(plan, index),
                            exact=True,
                            proposal=False,
                            **_in_full_too_late(t, plan),
                        ),
                        phase="confirming_plan",
                        pending_plan=plan,
                    )
    return None


def _in_full_too_late(t: Turn, plan: Plan) -> dict[str, Any]:
    """ "se tirar a multa eu pago tudo sexta" when the price in full is only until Thursday:
    the day said and the last day of that price, for the summary to say so."""
    asked = as_date(t.parse.value("date"))
    if plan.kind == "installments" or asked is None or not plan.payments:
        return {}
    last = plan.payments[0].due
    if asked <= last:
        return {}
    return {"in_full_asked": asked.isoformat(), "in_full_max": last.isoformat()}


def _in_full_waiting(t: Turn) -> Plan | None:
    """The price in full, when it is the plan waiting for "ok"."""
    plan = t.state.pending_plan
    if t.state.phase == "confirming_plan" and plan is not None and plan.kind == "pay_in_full":
        return plan
    return None


def in_full_on_a_day(t: Turn) -> Step | None:
    """A day said to the price in full waiting for "ok" (its ``first_due`` is the last day
    of that price): "e se eu pagar na sexta ainda tem o desconto?" is answered (in time, or
    too late), the plan still waiting; "fechado, pago sexta" / "blz sexta eu pago à vista"
    is the yes (the agreement at that price), never a promise of the balance with its
    charges. None: not that (no such plan waiting, no day, another amount or plan)."""
    plan = _in_full_waiting(t)
    day = as_date(t.parse.value("date"))
    if plan is None:
        return None
    if day is None or day < t.ctx.today or t.parse.value("installments") is not None:
        return None
    said = _decimal(t.parse.value("amount"))
    if said is not None and said != plan.total:
        return None  # "pago 500 sexta": part of it, the promise rules decide
    asks = "discount" in t.topics or t.parse.text.rstrip().endswith("?")
    if day > plan.first_due or asks:
        late = day > plan.first_due
        values: dict[str, Any] = {
            "in_full_max": plan.first_due.isoformat(),
            ("in_full_asked" if late else "in_full_day_ok"): day.isoformat(),
        }
        summary = plan_vars(plan)
        return t.step(
            say("plan_summary", t.ctx, plan=summary, exact=True, proposal=False, **values)
        )
    return confirm_plan(t)


def pay_in_full_question(t: Turn) -> Step | None:
    """ "se eu quitar hj à vista tem desconto? qto fica?" / "best price if I pay the whole
    thing today": the book's pay-in-full plan with its discount (None: not that question)."""
    asks = t.parse.value("topic") == "discount" or t.says("asks_price")
    # "a vista entao. pago amanha" to the offers on screen: that option (its price, by its
    # day), not a promise of the balance with its charges
    # ("pode ser dia 1? ai pago tudo de uma vez", past that option's day: a promise instead)
    in_full = [p for p in t.state.on_screen if p.kind == "pay_in_full"]
    day = as_date(t.parse.value("date"))
    picks = (
        t.state.phase == "offers_presented"
        and bool(in_full)
        and (day is None or day <= in_full[0].first_due)
        and t.says("wants_in_full")
    )
    if not (asks or picks) or not t.can_disclose:
        return None
    return _plan_by_kind(t) or (_price_on_a_day(t, day) if asks else None)


def _price_on_a_day(t: Turn, day: date | None) -> Step | None:
    """ "quanto fica pra hoje?" / "how much to pay it off on friday?": a question, not a
    promise. By the last day of the book's price in full, that price (waiting for a yes);
    later, or with a sum or installments said, not this question (None)."""
    if day is None or day < t.ctx.today or not t.debts:
        return None
    if t.parse.value("amount") is not None or t.parse.value("installments") is not None:
        return None
    plans = t.state.on_screen or tuple(
        _all_plans(t, t.state.offers_segment or t.ctx.debtor.segment)
    )
    for index, plan in enumerate(plans, start=1):
        if plan.kind == "pay_in_full" and day <= plan.first_due:
            summary = plan_vars(plan, index)
            return t.step(
                # opened with what was asked: the amount
                say(
                    "plan_summary", t.ctx, plan=summary, exact=True, proposal=False, recap="amount"
                ),
                phase="confirming_plan",
                pending_plan=plan,
            )
    return None


def _agreement_change(t: Turn) -> Step | None:
    """Everything is in an agreement and the person asks for a deal ("posso mudar o dia da
    parcela pro dia 15?", "e se eu quiser quitar tudo antes?"): changing an agreement is a
    person's decision (None: no agreement to change)."""
    agreement = t.ctx.agreement
    if t.debts or agreement is None or agreement.status not in ("active", "pending_approval"):
        return None
    if agreement.status == "active" and _pays_the_rest(t):
        return _agreement_rest(t)
    from bot.dialogue.handlers_safety import hand_off

    return hand_off(t, "request_human", "agreement_change_person")


def _pays_the_rest(t: Turn) -> bool:
    """ "posso pagar as duas que faltam de uma vez?", "can i pay off the rest now?": the
    installments left, paid at once as they are (a discount for it is a person's call)."""
    if t.parse.value("topic") == "discount" or t.parse.value("installments") is not None:
        return False
    return t.says("wants_in_full") or t.says("whole_balance")


def _agreement_rest(t: Turn) -> Step:
    from bot.dialogue.handlers_payments import payment_info

    agreement = t.ctx.agreement
    assert agreement is not None
    pending = list(agreement.pending)
    rest = sum((p.amount for p in pending), Decimal(0))
    if len(pending) < 2:  # one left: that installment, as "manda o pix" sends it
        from bot.dialogue.handlers_payments import ask_payment_method

        return ask_payment_method(t)
    action, message = payment_info(t, rest, "agreement", None)
    lead = say("agreement_pay_rest", t.ctx, rest=money_str(rest), count=len(pending))
    return t.step(lead, action, message)


def negotiate(t: Turn) -> Step:
    """The debtor's own proposal ("em 5x", "150 por mês", "100 de entrada"), else offers."""
    change = _agreement_change(t)
    if change is not None:
        return change
    if (
        t.state.extra.get("part_day")
        and t.parse.value("amount") is not None
        and t.parse.value("installments") is None
    ):
        # "uns 300" to "quanto consegue no dia 10?": that amount that day, a promise
        from bot.dialogue.handlers_promises import promise_to_pay

        return promise_to_pay(t)
    raw_n = t.parse.value("installments")
    installments = int(raw_n) if raw_n is not None else _bare_count(t)
    amount = _decimal(t.parse.value("amount"))
    if amount is not None and _too_much(t):
        amount = None  # "400 is too much rn": the price complained of, not a proposal
    pending = t.state.pending_plan
    if (
        pending is not None
        and amount is None
        and installments == pending.installments
        and t.says("decided")
    ):
        return confirm_plan(t)  # "ok pode fechar o de 6x" with that 6x waiting: the yes
    part_now = _part_now_rest_next_week(t, installments, amount)
    if part_now is not None:
        return part_now
    if amount is None and t.says("half_now"):
        rest_day = _rest_day(t)
        if installments is None and rest_day is not None:
            # "half now and half next friday": a day the promise rules allow is a promise,
            # half today and the rest by then (as "150 hj e o resto dia 10"), not a plan
            from bot.dialogue.handlers_promises import part_and_rest

            half = (t.ctx.balance.total / 2).quantize(Decimal("0.01"))
            return part_and_rest(t, half, t.ctx.today, rest_day)
        # "metade agora e metade mês que vem": half as the entry, the rest in one go (or in
        # the installments said)
        half = (t.ctx.balance.principal / 2).quantize(Decimal("0.01"))
        return _propose(t, installments or 1, half, down_payment=True)
    if installments is None and amount is None:
        picked = in_full_on_a_day(t) or _plan_by_kind(t)
        if picked is not None:
            return picked
        next_week = t.says("later_next_week") and not (t.topics - {"other_question"})
        if t.parse.value("date") is not None or next_week:
            # "só consigo pagar 15/12": a day, not a plan; the promise rules decide ("can i
            # do the rest next week": which day of it?)
            from bot.dialogue.handlers_promises import promise_to_pay

            return promise_to_pay(t)
        return offers(t)
    if installments is None and amount is not None and _offers_to_settle(t, amount):
        return _settlement(t, amount)
    said = (_decimal(e.value) for e in t.parse.entities if e.entity == "amount")
    amounts = [a for a in said if a is not None]  # "200 now and 200 a month": both, repeats too
    if (
        installments is None
        and len(amounts) == 2
        and t.says("paying_now")
        and t.says("later_next_month")
        and not _now_and_regular(t)
    ):
        # "400 agora e 400 mês que vem": an entry now and the rest next month, in one go
        return _propose(t, 1, amounts[0], down_payment=True)
    if installments is None and len(amounts) == 2 and _now_and_regular(t):
        # "200 agora e 200 por mês" / "200 now and 200 every month": an entry, then monthly
        # ("50 now and 50 every two weeks": then every two weeks, see ``_propose``)
        return _propose(t, None, amounts[0], down_payment=True, monthly=amounts[1])
    if installments is None and amount is not None and _rest_past_promises(t):
        # "300 dia 15 e o resto dia 30" with the 30th past the promise limit: the part as an
        # entry and the rest on that day, a plan (a promise cannot hold it; asking the
        # promise rules again would only send it back here)
        return _propose(t, 1, amount, down_payment=True)
    if installments is None and amount is not None and (_part_on_a_day(t) or _rest_soon(t)):
        # "consigo 200 na sexta e o resto no outro mês": 200 promised for Friday, the rest
        # arranged later (a plan needs no day for its entry)
        from bot.dialogue.handlers_promises import promise_to_pay

        return promise_to_pay(t)
    return _with_in_full(t, _propose(t, installments, amount))


def _part_now_rest_next_week(
    t: Turn, installments: int | None, amount: Decimal | None
) -> Step | None:
    """ "half now and half next week" / "519 now and the rest next week": the part promised for
    today and the day of next week asked for the rest (a plan's entry falls days later and its
    payments months later, which nobody asked for)."""
    if installments is not None or not t.says("later_next_week") or _rest_day(t) is not None:
        return None
    if t.parse.value("date") is not None or t.says("later_next_month"):
        return None
    balance = t.ctx.balance.total
    if amount is None and t.says("half_now"):
        part = (balance / 2).quantize(Decimal("0.01"))
    elif amount is not None and t.says("paying_now") and _says_rest(t):
        part = amount
    else:
        return None
    if not Decimal(0) < part < balance:
        return None
    from bot.dialogue.handlers_promises import REST_ASKED, REST_ASKED_PHASE, promised_now

    today = t.ctx.today
    extra = {k: v for k, v in t.state.extra.items() if k != "promise_amount"}
    extra.update({REST_ASKED: True, PROMISED_NOW: promised_now(part, today)})
    limit = today + timedelta(days=t.ctx.offers.promise_max_days)
    return t.step(
        RecordPromise(due=today, amount=part),
        say(
            "part_now_rest_which_day",
            t.ctx,
            amount=money_str(part),
            rest=money_str(balance - part),
            max_date=limit.isoformat(),
        ),
        phase=REST_ASKED_PHASE,
        extra=extra,
        on_screen=(),
        pending_plan=None,
    )


_REST_WORDS = re.compile(
    r"\b(?:the\s+)?(?:rest|remainder|other\s+half|o\s+resto|resto|o\s+restante|a\s+outra\s+metade)\b"
)


def _says_rest(t: Turn) -> bool:
    return _REST_WORDS.search(normalise(t.parse.text)) is not None


def _now_and_regular(t: Turn) -> bool:
    """Two amounts, the second one paid regularly: monthly, weekly or every two weeks."""
    return any(t.says(name) for name in ("now_and_monthly", "biweekly", "weekly"))


def _offers_to_settle(t: Turn, amount: Decimal) -> bool:
    """ "faz por 1000 que eu pago hoje?", "aceita 1000 à vista?", "can I settle for 1000?",
    or "e 1100?" (below the balance) with the price in full waiting for "ok": one sum for the
    whole debt, paid at once (never a monthly amount, an entry or a weekly one)."""
    if sum(1 for e in t.parse.entities if e.entity == "amount") != 1 or not t.debts:
        return False
    regular = ("down_payment", "weekly", "biweekly", "now_and_monthly", "a_bit_over")
    if any(t.says(name) for name in regular):
        return False
    if t.says("settle_for") or t.says("wants_in_full"):
        return True  # "faz por 1000 que eu pago hoje?" owing 600 too: the price, not 2x 300
    return _in_full_waiting(t) is not None and amount < t.ctx.balance.total


def _settlement(t: Turn, amount: Decimal) -> Step:
    """A sum offered for the whole debt: the book's price in full answers it, "the closest I
    can do" when the sum is below it; the person may still ask for a person's approval."""
    in_full = next(
        (
            p
            for p in _all_plans(t, t.state.offers_segment or t.ctx.debtor.segment)
            if p.kind == "pay_in_full"
        ),
        None,
    )
    if in_full is None:
        return offers(t)  # no price in full in the book for this debt: what it offers
    exact = in_full.total <= amount  # the price in full asks no more than was offered
    return t.step(
        LogEvent("proposal", {"settle_for": str(amount), "offer_id": in_full.offer_id}),
        say(
            "plan_summary",
            t.ctx,
            plan=plan_vars(in_full),
            exact=exact,
            proposal=not exact,
            **_in_full_too_late(t, in_full),
        ),
        phase="confirming_plan",
        pending_plan=in_full,
    )


def _with_in_full(t: Turn, step: Step) -> Step:
    """ "da pra parcelar em 4x? e tem desconto a vista?": the plan asked for, and the price
    in full beside it (the question was asked too)."""
    if "discount" not in t.topics:
        return step
    plans = _all_plans(t, t.state.offers_segment or t.ctx.debtor.segment)
    in_full = next((p for p in plans if p.kind == "pay_in_full"), None)
    if in_full is None:
        return step
    for i, action in enumerate(step.actions):
        if not isinstance(action, Reply) or action.response != "plan_summary":
            continue
        if not action.vars.get("plan", {}).get("in_full"):
            step.actions[i] = replace(
                action, vars={**action.vars, "in_full_too": plan_vars(in_full)}
            )
    return step


def _too_much(t: Turn) -> bool:
    """ "can u lower the interest? 400 is too much rn": one amount, said to be too much."""
    amounts = [e for e in t.parse.entities if e.entity == "amount"]
    return len(amounts) == 1 and t.says("too_much")


def _rest_soon(t: Turn) -> bool:
    """ "200 now and the other 200 on dec 1": a part and the rest's own day within the
    promise limit, a promise (as "150 hj e o resto dia 10"), not a plan."""
    from bot.dialogue.rest_day import split_days

    split = split_days(t)
    limit = t.ctx.today + timedelta(days=t.ctx.offers.promise_max_days)
    return split is not None and split[1] <= limit


def _rest_past_promises(t: Turn) -> bool:
    """ "300 dia 15 e o resto dia 30": a part and the rest's own day, past the promise limit."""
    from bot.dialogue.rest_day import split_days

    split = split_days(t)
    limit = t.ctx.today + timedelta(days=t.ctx.offers.promise_max_days)
    return split is not None and split[1] > limit


def _rest_day(t: Turn) -> date | None:
    """The latest day said, when it is after today and within the promise limit."""
    days = [as_date(e.value) for e in t.parse.entities if e.entity == "date"]
    limit = t.ctx.today + timedelta(days=t.ctx.offers.promise_max_days)
    later = [d for d in days if d is not None and t.ctx.today < d <= limit]
    return max(later, default=None)


_BARE_NUMBER = re.compile(r"(?<![\d.,/:$])\b(\d{1,2})\b(?![\d.,/:%])")


def _bare_count(t: Turn) -> int | None:
    """ "wait, can it be 4?" / "e em 5?" with an installment plan waiting for a yes: a lone
    small number there is how many installments (no "x" or "parcelas" needed)."""
    plan = t.state.pending_plan
    if plan is None or plan.kind != "installments" or t.parse.value("amount") is not None:
        return None
    found = _BARE_NUMBER.findall(t.parse.text)
    if len(found) != 1:
        return None
    count = int(found[0])
    return count if 2 <= count <= 24 and count != plan.installments else None


def _part_on_a_day(t: Turn) -> bool:
    """An amount for a coming day, the rest later ("200 sexta e o resto depois")."""
    day = as_date(t.parse.value("date"))
    return day is not None and t.says("rest_at_once") and day > t.ctx.today


def plan_first_due(t: Turn) -> Step:
    """A day said about the installment plan waiting for a yes ("não dá pra ser dia 10?"):
    the same plan with its first payment on that day when the book allows, else on the latest
    day it allows, saying so. Not a promise of the whole balance: the plan is what is on the
    table."""
    plan = t.state.pending_plan
    said_plan = t.parse.value("installments") is not None or t.parse.value("amount") is not None
    if said_plan:
        return negotiate(t)
    if plan is not None and plan.kind == "installments":
        # "tem como tirar os juros se eu pagar hj?" with a plan waiting: the price in full
        # that day, not the plan's first payment moved to today
        in_full = pay_in_full_question(t)
        if in_full is not None:
            return in_full
    if plan is None or plan.kind != "installments" or plan.down_payment:
        from bot.dialogue.handlers_promises import promise_to_pay

        return promise_to_pay(t)
    return _propose(t, plan.installments, None, insisting=False)


def _propose(
    t: Turn,
    installments: int | None,
    amount: Decimal | None,
    *,
    insisting: bool = True,
    down_payment: bool = False,
    monthly: Decimal | None = None,
) -> Step:
    """Ask the book for the debtor's own plan and show it (or the offers, or a person)."""
    down = None
    if amount is not None:
        if down_payment or t.says("down_payment") or monthly is not None:
            down = amount
            if installments is None and t.says("rest_at_once"):
                installments = 1  # the rest in one go: the book offers the nearest plan
            pending = t.state.pending_plan
            carry = installments is None and monthly is None
            if carry and pending is not None and pending.kind == "installments":
                # "e se eu der 200 de entrada?" about the 6x on the table: still 6x
                installments = pending.installments
        else:
            monthly = amount
    weekly = biweekly = None
    if monthly is not None and t.says("biweekly"):
        # "50 a cada 15 dias": monthly plans only, so the month that makes (26/12 fortnights),
        # said back as such (the book has no plan every two weeks)
        biweekly = monthly
        monthly = (monthly * 26 / 12).quantize(Decimal("0.01"))
    elif monthly is not None and t.says("weekly"):
        # "50 por semana": the book's plans are monthly, so the month that makes (52/12 weeks),
        # said back as such rather than "R$ 50,00 por mês", which nobody asked for
        weekly = monthly
        monthly = (monthly * 52 / 12).quantize(Decimal("0.01"))
    first_due_days, first_due_note = _first_due(t)
    if down is not None and (t.says("half_now") or t.says("paying_now")):
        # "metade agora e metade dia 20": the day said is the rest's, not the entry's; the
        # entry goes as the book sets it (never "the first payment can't be on the 20th")
        first_due_days, first_due_note = _first_due_days(t), {}
    day = _monthly_day(t)
    if day is None and down is not None:
        # "150 hj e o resto dia 10" past the promise limit: the rest on the 10th of the month
        from bot.dialogue.rest_day import split_days

        split = split_days(t)
        day = split[1].day if split is not None else None
    proposal = t.ctx.offers.propose(
        t.debts,
        t.ctx.today,
        installments=installments,
        monthly_amount=monthly,
        down_payment=down,
        segment=t.state.offers_segment or t.ctx.debtor.segment,
        first_due_days=first_due_days,
    )
    plan = getattr(proposal, "plan", None)
    exact = bool(getattr(proposal, "exact", False))
    if isinstance(plan, Plan) and not exact and _fits_a_bit_over(t, plan, installments, monthly):
        exact = True  # "4 vezes de uns 200 e pouco": 4x R$ 225 is what was asked
    if isinstance(plan, Plan) and day is not None and plan.kind == "installments":
        # "pode ser todo dia 10?": the first payment as the book allows, the rest on the 10th
        plan = on_day_each_month(plan, day)
        first_due_note = {**first_due_note, "monthly_day": day}
    log = LogEvent(
        "proposal",
        {
            "installments": installments,
            "monthly_amount": None if monthly is None else str(monthly),
            "down_payment": None if down is None else str(down),
            "exact": exact,
            "reason": str(getattr(proposal, "reason", "")),
            "offer_id": None if plan is None else plan.offer_id,
        },
    )
    asked: dict[str, Any] = {
        "asked_installments": installments,
        "asked_monthly": None if monthly is None else str(monthly),
        "asked_weekly": None if weekly is None else str(weekly),
        "asked_biweekly": None if biweekly is None else str(biweekly),
        "asked_down": None if down is None else str(down),
    }
    key = f"{installments}|{monthly}|{down}"
    insisted = insisting and not exact and t.state.extra.get("countered") == key
    if insisted:
        # The person turned the nearest plan (or the offers) down and asked the same again:
        # a person decides, and the debtor is told when they will hear back.
        return request_approval(t, log, **asked)
    if not isinstance(plan, Plan):
        step = present_offers(t, page=0, reason="proposal_failed")
        step.actions.insert(0, log)
        step.state = step.state.evolve(extra={**step.state.extra, "countered": key})
        return step
    return t.step(
        log,
        PresentOffers((plan,)),
        say(
            "plan_summary",
            t.ctx,
            plan=plan_vars(plan),
            exact=exact,
            proposal=True,
            **first_due_note,
            **asked,
        ),
        phase="confirming_plan",
        pending_plan=plan,
        extra={**t.state.extra, "countered": key} if not exact else t.state.extra,
    )


def _fits_a_bit_over(
    t: Turn, plan: Plan, installments: int | None, monthly: Decimal | None
) -> bool:
    """ "200 e pouco" / "200 and something": a monthly amount a little over the one said (up
    to the next hundred, or ten below 100) is the one asked, with the installments asked."""
    if monthly is None or plan.kind != "installments" or not t.says("a_bit_over"):
        return False
    if installments is not None and plan.installments != installments:
        return False
    step = Decimal(100) if monthly >= 100 else Decimal(10)
    return monthly <= plan.installment_amount < monthly + step


def _first_due(t: Turn) -> tuple[int, dict[str, Any]]:
    """The first installment's day: the one asked for ("3x com a primeira dia 10") when the
    book allows it (up to ``offers.first_due_days`` ahead, the configured limit for a plan's
    first payment), else the latest allowed, and say so ("a primeira consigo até 26/11")."""
    default = _first_due_days(t)
    asked = as_date(t.parse.value("date"))
    if asked is None:
        return default, {}
    latest = default
    days = (asked - t.ctx.today).days
    if 0 <= days <= latest:
        return days, {"first_due_asked": asked.isoformat(), "first_due_ok": True}
    limit = t.ctx.today + timedelta(days=latest)
    note = {
        "first_due_asked": asked.isoformat(),
        "first_due_ok": False,
        "first_due_max": limit.isoformat(),
    }
    return (latest if days > latest else default), note


# "todo dia 10", "sempre no dia 20", "dia 5 de cada mês", "on the 15th every month": a day
# of the month for every installment, not a one-off date
_MONTHLY_DAY = re.compile(
    r"\b(?:tod[oa]s?|sempre|cada)\s+(?:o\s+|no\s+)?dia\b|\bde\s+cada\s+mes\b|\btodo\s+mes\b"
    r"|\bmensalmente\b|\b(?:every|each)\s+month\b|\bmonthly\b|\bof\s+(?:every|each)\s+month\b"
    r"|\bevery\s+\d{1,2}(?:st|nd|rd|th)\b"
)


def _monthly_day(t: Turn) -> int | None:
    """The day of the month asked for every installment ("pode ser todo dia 10?"), if any."""
    asked = as_date(t.parse.value("date"))
    if asked is None or not _MONTHLY_DAY.search(normalise(t.parse.text)):
        return None
    return asked.day


MIN_DAYS_BETWEEN = 15  # two installments never closer than this


def _day_of_month_after(start: date, months: int, day: int) -> date:
    """``day`` of the month ``months`` after ``start``'s (the month's last day if shorter)."""
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    return date(year, month + 1, min(day, calendar.monthrange(year, month + 1)[1]))


def on_day_each_month(plan: Plan, day: int) -> Plan:
    """The plan with every installment after the first on ``day`` of its month (the first
    stays where the book allows it; a later one never falls before the one ahead of it)."""
    payments = []
    previous = None
    for p in plan.payments:
        due = p.due
        # after the first payment of the list (a down payment is numbered 0, so its first
        # installment moves too: "150 hj e o resto dia 10" is the rest on the 10th)
        if previous is not None:
            due = _day_of_month_after(previous, 1, day)
            if (due - previous).days < MIN_DAYS_BETWEEN:
                due = _day_of_month_after(previous, 2, day)
        payments.append(replace(p, due=due))
        previous = due
    return replace(plan, payments=tuple(payments))


def request_approval(t: Turn, *events: Action, **asked: Any) -> Step:
    """Record what the debtor asked for as a request a person approves, hand the chat over
    and say when the answer comes (the same path as a discount above the book's limit)."""
    data = {k: v for k, v in asked.items() if v is not None}
    return t.step(
        *events,
        LogEvent("approval_request", data),
        HandOff("approval"),
        say("request_approval", t.ctx, agent_hours=t.ctx.settings.agent_hours_text, **data),
        phase="with_agent",
        resume_phase="open",
        handoff_reason="approval",
        on_screen=(),
        pending_plan=None,
    )


# what a question about the plan waiting for "fechado" asks, as the summary's opening line
_RECAP = {"plan_dates": "dates", "deadline": "dates", "installment_amount": "amount"}


def restate_plan(t: Turn) -> Step:
    """ "qual o total no final?" while a plan waits for "fechado": the plan, opening with
    what was asked ("a primeira vence qdo?": its dates; "e cada parcela?": the amount)."""
    plan = t.state.pending_plan
    if plan is None:
        from bot.dialogue.handlers_payments import ask_debt_details

        return ask_debt_details(t)
    on_a_day = in_full_on_a_day(t)  # "e se for dia 10?" to the price in full: in time or not
    if on_a_day is not None:
        return on_a_day
    recap = _RECAP.get(question_topic(t.parse) or "", "total")
    return t.step(
        say("plan_summary", t.ctx, plan=plan_vars(plan), exact=True, proposal=False, recap=recap)
    )


_NUMBER = re.compile(r"(?<![\d/.,])\d+(?:[.,]\d+)*(?![\d/])")


def _money(text: str) -> Decimal | None:
    raw = text.replace(".", "").replace(",", ".") if "," in text else text
    if raw.count(".") == 1 and len(raw.split(".")[1]) == 3:
        raw = raw.replace(".", "")  # "1.200": thousands, pt
    return _decimal(raw)


def option_by_amount(parse: Parse, plans: tuple[Plan, ...]) -> Parse:
    """ "nah lets do the 720" with options on screen: the option whose amount (its total or
    its installment) is the number said, as an ``option`` entity (one match only). "the 6
    one" / "a de 10" with two options on screen: the one in that many installments."""
    if not plans:
        return parse
    said = parse.value("option")
    if said is None or (isinstance(said, int) and not 1 <= said <= len(plans)):
        by_count = _option_by_installments(parse, plans)
        if by_count is not None:
            return by_count
    if said is not None:
        return parse
    for m in _NUMBER.finditer(parse.text):
        value = _money(m.group())
        if value is None or value < 10:
            continue
        hits = [
            i
            for i, plan in enumerate(plans, start=1)
            if value in (plan.total, plan.installment_amount)
        ]
        if len(hits) == 1:
            found = Entity("option", hits[0], m.start(), m.end(), m.group())
            kept = tuple(e for e in parse.entities if e.entity != "amount")
            return replace(parse, entities=(*kept, found))
    return parse


def _option_by_installments(parse: Parse, plans: tuple[Plan, ...]) -> Parse | None:
    """The option whose number of installments is a number said that is no option's
    position ("the 6 one" of two): one match only, else nothing."""
    days = [(e.start, e.end) for e in parse.entities if e.entity == "date"]
    for m in _NUMBER.finditer(parse.text):
        if not m.group().isdigit() or 1 <= int(m.group()) <= len(plans):
            continue
        if any(start < m.end() and m.start() < end for start, end in days):
            continue  # "what about 200 on the 10th": a day, not "the 10 one"
        hits = [i for i, plan in enumerate(plans, start=1) if plan.installments == int(m.group())]
        if len(hits) == 1:
            found = Entity("option", hits[0], m.start(), m.end(), m.group())
            kept = tuple(e for e in parse.entities if e.entity not in ("option", "amount"))
            return replace(parse, entities=(*kept, found))
    return None


def choose_option(t: Turn) -> Step:
    """ "opção 2" / "sim" with plans on screen: summarise the chosen plan and ask to confirm."""
    plans = t.state.on_screen
    if not plans:
        if t.state.pending_plan is not None:
            return confirm_plan(t)
        return present_offers(t, reason="default")
    raw = t.parse.value("option")
    if raw is None and t.parse.value("installments") is not None:
        return negotiate(t)
    if raw is None and len(plans) > 1 and t.parse.intent == "affirm":
        # "sounds good" / "sim" to a list of options: which one is never guessed
        return t.step(say("option_which", t.ctx, count=len(plans)))
    index = int(raw) if raw is not None else 1
    if not 1 <= index <= len(plans):
        return t.step(say("option_invalid", t.ctx, count=len(plans)))
    plan = plans[index - 1]
    if t.says("decided"):
        if raw is None and len(plans) > 1:
            # "fechado" with two plans on screen: which one is never guessed
            return t.step(say("option_which", t.ctx, count=len(plans)))
        # "nah lets do the 720" / "vamos de 2, fechado": the choice is the yes
        return confirm_plan(replace(t, state=t.state.evolve(pending_plan=plan)))
    return t.step(
        say("plan_summary", t.ctx, plan=plan_vars(plan, index), exact=True, proposal=False),
        phase="confirming_plan",
        pending_plan=plan,
    )


def confirm_plan(t: Turn) -> Step:
    """ "fechado": create the agreement and send how to pay the first installment."""
    plan = t.state.pending_plan
    if plan is None:
        return choose_option(t) if t.state.on_screen else present_offers(t)
    if t.state.extra.get(PLAN_LATER) and not t.says("decided"):
        # "vou ver e te falo" ... "👍": an ok to our "talk later", not a yes to the plan
        return t.step(say("acknowledge_later", t.ctx))
    if plan.needs_approval:
        return t.step(
            CreateAgreement(plan, needs_approval=True),
            HandOff("approval"),
            say("approval_pending", t.ctx, plan=plan_vars(plan)),
            phase="with_agent",
            resume_phase="agreement",
            handoff_reason="approval",
            pending_plan=None,
            on_screen=(),
        )
    first = plan.payments[0]
    reference = payment_reference(t.ctx.debtor.ref, plan.offer_id, str(first.number))
    # "me manda o boleto" as the yes: the way asked for, or PIX saying why
    asked = t.parse.value("payment_method")
    method = str(asked) if asked in METHODS else "pix"
    settings = t.ctx.settings
    at_counter = [m for m in settings.store_payment_methods if m not in ("pix", "boleto")]
    if (
        method == "pix"
        and "pix" in t.state.extra.get(NO_METHODS, ())
        and settings.business_address
        and at_counter
    ):
        # "não uso pix" earlier in the chat: the first payment at the counter, no PIX code
        return t.step(
            CreateAgreement(plan),
            say("agreement_created", t.ctx, plan=plan_vars(plan)),
            say(
                "first_payment_at_store",
                t.ctx,
                amount=f"{first.amount:.2f}",
                due=first.due.isoformat(),
                methods=at_counter,
                in_full=plan.kind != "installments",
            ),
            phase="agreement",
            pending_plan=None,
            on_screen=(),
        )
    return t.step(
        CreateAgreement(plan),
        say("agreement_created", t.ctx, plan=plan_vars(plan)),
        SendPaymentInfo(amount=first.amount, reference=reference, method=method),
        say(
            "payment_info",
            t.ctx,
            attach_pix_qr=method == "pix",
            method=method,
            amount=f"{first.amount:.2f}",
            due=first.due.isoformat(),
            purpose="installment",
        ),
        phase="agreement",
        pending_plan=None,
        on_screen=(),
    )


def refuse_offers(t: Turn) -> Step:
    """ "não" to the offers: record the refusal and show the next ones, then a person."""
    ids = tuple(p.offer_id for p in t.state.on_screen)
    if t.state.pending_plan is not None and t.state.pending_plan.offer_id not in ids:
        ids += (t.state.pending_plan.offer_id,)
    refused: list[Action] = [RefuseOffers(ids)] if ids else []
    # "não dá, é muito" to the plan built from their own proposal: not that plan again
    step = present_offers(
        t, page=t.state.offers_page, reason="refused", refused=t.state.pending_plan
    )
    step.actions[:0] = refused
    return step
