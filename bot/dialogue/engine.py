"""The dialogue engine: ``decide(state, event, ctx) -> Decision(actions, state)``.

Pure: no I/O, no clock (``ctx.now``/``ctx.today``), no database. The routing of user turns
comes from ``dialogues/flows.yml`` (see :mod:`bot.dialogue.flows`); the handlers named there
live in the ``handlers_*`` modules and are registered in :data:`HANDLERS`.

Replies are rendered by the runtime in ``decision.state.language``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.dialogue import (
    handlers_identity,
    handlers_offers,
    handlers_payments,
    handlers_promises,
    handlers_questions,
    handlers_safety,
    handlers_social,
)
from bot.dialogue.actions import Action, Reply
from bot.dialogue.context import (
    AgentReleased,
    Context,
    Event,
    PaymentConfirmed,
    Reminder,
    UserTurn,
)
from bot.dialogue.events import on_agent_released, on_payment, on_reminder
from bot.dialogue.flows import NOT_UNDERSTOOD, QUESTION, FlowError, Flows, default_flows
from bot.dialogue.reading import Reading, has_phrase, read_message, says_day_off
from bot.dialogue.state import ONE_TURN_KEYS, ConversationState
from bot.dialogue.turn import Handler, Step, Turn, normalise, say

HANDLERS: dict[str, Handler] = {
    # identity
    "identity_confirmed": handlers_identity.identity_confirmed,
    "identity_denied": handlers_identity.identity_denied,
    "identity_required": handlers_identity.identity_required,
    "identity_soft": handlers_identity.identity_soft,
    "wrong_person": handlers_identity.wrong_person,
    "closed": handlers_identity.closed,
    "ask_identity": handlers_identity.ask_identity,
    # promises
    "promise_to_pay": handlers_promises.promise_to_pay,
    "ask_day": handlers_promises.ask_day,
    "which_day": handlers_promises.which_day,
    "cannot_pay": handlers_promises.cannot_pay,
    "no_means": handlers_promises.no_means,
    "callback_later": handlers_promises.callback_later,
    "follow_up": handlers_promises.follow_up,
    # offers
    "offers": handlers_offers.offers,
    "hardship_offers": handlers_offers.hardship_offers,
    "negotiate": handlers_offers.negotiate,
    "plan_first_due": handlers_offers.plan_first_due,
    "choose_option": handlers_offers.choose_option,
    "confirm_plan": handlers_offers.confirm_plan,
    "refuse_offers": handlers_offers.refuse_offers,
    "restate_plan": handlers_offers.restate_plan,
    # payments and data
    "already_paid": handlers_payments.already_paid,
    "ask_debt_details": handlers_payments.ask_debt_details,
    "ask_payment_method": handlers_payments.ask_payment_method,
    "pay_named": handlers_payments.pay_named,
    "receipt_how": handlers_payments.receipt_how,
    # safety
    "opt_out": handlers_safety.opt_out,
    "fewer_messages": handlers_safety.fewer_messages,
    "no_email": handlers_social.no_email,
    "whats_next": handlers_social.whats_next,
    "price_complaint": handlers_offers.price_complaint,
    "no_agreement_now": handlers_offers.no_agreement_now,
    "the_rest": handlers_promises.the_rest,
    "dispute": handlers_safety.dispute,
    "request_human": handlers_safety.request_human,
    "other_contact": handlers_safety.other_contact,
    "insult": handlers_safety.insult,
    "stay_silent": handlers_safety.stay_silent,
    # social
    "greet": handlers_social.greet,
    "thanks": handlers_social.thanks,
    "goodbye": handlers_social.goodbye,
    "acknowledge": handlers_social.acknowledge,
    "laughter": handlers_social.laughter,
    "someone_else_pays": handlers_social.someone_else_pays,
    NOT_UNDERSTOOD: handlers_social.not_understood,
    # questions answered from data, relatives answering (routed by entity)
    **handlers_questions.HANDLERS,
}

# Handlers after which no introduction is prepended on a first inbound message.
NO_INTRO = frozenset({"opt_out", "stay_silent", "closed"})
# Handlers whose reply already says who is writing ("oi, quem é?" as the first message)
INTRODUCES_ITSELF = frozenset({"ask_identity"})
# Handlers whose reply must not open with sympathy for a hardship (nothing more is said, or
# the person is gone); the acknowledgement waits for a later turn.
NO_HARDSHIP_ACK = frozenset(
    {"opt_out", "stay_silent", "closed", "wrong_person", "identity_denied"}
)
# In an open conversation (the debt was discussed), a day said with one of these intents is
# a promise, as it is after "which day?": "pode ser dia 1 então", "ok friday then".
DATE_IS_PROMISE = frozenset({NOT_UNDERSTOOD, "affirm", "deny", "greet", "thanks", "goodbye"})
# Intents about one's own debt: after a soft "ok" to "falo com Maria?", the person speaking.
OWN_DEBT = frozenset(
    {"promise_to_pay", "negotiate", "cannot_pay", "already_paid", "ask_payment_method"}
)
# A message asking one of the answerable questions with a day in it ("vcs abrem domingo?")
# is no promise; a plain "pode ser dia 1 então?" is.
NOT_A_TOPIC = (None, "other_question")
# "my husband handles this" / "meu marido que cuida disso", however the classifier took it
SOMEONE_ELSE_ROUTES = (NOT_UNDERSTOOD, "dispute", "callback_later", "cannot_pay", "no_means")
# where "e o resto?" alone lands, for want of a day or a sum (asked after a part promised)
REST_QUESTION_ROUTES = frozenset(
    {
        NOT_UNDERSTOOD,
        "negotiate",
        "ask_debt_details",
        "promise_to_pay",
        "answer_question",
        "offers",
    }
)
# where a bare amount lands ("uns 300") when the amount of a part was asked
PART_AMOUNT_ROUTES = frozenset(
    {NOT_UNDERSTOOD, "negotiate", "promise_to_pay", "insult", "answer_question", "offers",
     "acknowledge", "ask_day", "choose_option"}
)  # fmt: skip
# "opções de parcelamento", "installment options", "payment plan": the offers asked for
_INSTALLMENT_WORDS = re.compile(r"\bparcel|\binstall?ments?\b|\bpayment\s+plans?\b")
# "e agora?" / "what now?": short, nothing else asked
WHATS_NEXT_WORDS = 4
# "feito", "done" alone: the payment just made (never where a "yes" is awaited)
DONE_PHASES = frozenset({"open", "awaiting_promise_date", "agreement"})
_DONE = frozenset(
    {
        "feito",
        "ta feito",
        "tá feito",
        "pronto paguei",
        "paguei",
        "pago",
        "ta pago",
        "tá pago",
        "done",
        "paid",
        "all done",
        "done paid",
        "done it",
        "sent",
    }
)


def _says_done(text: str) -> bool:
    return text.strip().lower().strip("!. ") in _DONE


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Topics a handler's own reply already answers ("fechado. a primeira vence qdo?": the
# agreement's confirmation lists its dates and total).
ANSWERED_BY: dict[str, frozenset[str]] = {
    "confirm_plan": frozenset({"plan_dates", "plan_total", "deadline"}),
    "negotiate": frozenset({"plan_dates", "plan_total", "options", "discount"}),
    "offers": frozenset({"options", "discount", "plan_total"}),
    "answer_at_store": frozenset({"pay_at_store"}),
    # "vou pagar na loja sexta": the promise's confirmation says where the counter is
    "promise_to_pay": frozenset({"pay_at_store"}),
}
# Phases where what to pay is still being chosen: no PIX of the balance added to the turn
OPTIONS_ON_TABLE = frozenset({"offers_presented", "confirming_plan"})
# Handlers after which nothing else of the message is acted on.
NO_MORE = frozenset({"closed", "wrong_person", "identity_denied", "relative_answered"})
# What "não tenho comprovante" may be read as that it never means: no money, no idea
RECEIPT_NOT_HARDSHIP = frozenset({"cannot_pay", NOT_UNDERSTOOD, "wrong_person", "deny"})
# Replies that only repeat the sympathy a hardship acknowledgement has just given.
EMPATHY_REPLIES = frozenset({"cannot_pay"})
# hardships whose acknowledgement says no more than the empathy of ``EMPATHY_REPLIES``
GENERIC_HARDSHIPS = frozenset({"money_tight"})
LANGUAGES = ("pt", "en")


@dataclass(frozen=True)
class Decision:
    actions: tuple[Action, ...]
    state: ConversationState


def check_flows(flows: Flows) -> Flows:
    """Refuse a flows table that names a handler the engine does not have."""
    missing = flows.handlers() - set(HANDLERS)
    if missing:
        raise FlowError(f"flows: unknown handlers {sorted(missing)}")
    return flows


def decide(
    state: ConversationState, event: Event, ctx: Context, *, flows: Flows | None = None
) -> Decision:
    """What to do about ``event``: the actions to carry out and the state to store.

    ``flows`` defaults to the project's ``dialogues/flows.yml``.
    """
    table = check_flows(flows) if flows is not None else check_flows(default_flows())
    if state.language is None:
        language = ctx.debtor.language if ctx.debtor.language in LANGUAGES else "pt"
        state = state.evolve(language=language)
    if isinstance(event, UserTurn):
        step = _user_turn(state, event, ctx, table)
    elif isinstance(event, Reminder):
        step = on_reminder(state, event, ctx)
    elif isinstance(event, PaymentConfirmed):
        step = on_payment(state, event, ctx)
    elif isinstance(event, AgentReleased):
        step = on_agent_released(state, event, ctx)
    else:  # pragma: no cover - the Event union is closed
        raise TypeError(f"unknown event {event!r}")
    step = _vary(step, ctx)
    return Decision(tuple(step.actions), _one_turn_keys_spent(state, step.state))


def _one_turn_keys_spent(before: ConversationState, after: ConversationState) -> ConversationState:
    """Drop the one-turn keys (``ONE_TURN_KEYS``) this turn found and did not set again."""
    stale = [
        k for k in ONE_TURN_KEYS if k in before.extra and after.extra.get(k) == before.extra[k]
    ]
    if not stale:
        return after
    return after.evolve(extra={k: v for k, v in after.extra.items() if k not in stale})


def _follow_language(state: ConversationState, event: UserTurn, intent: str) -> str | None:
    """Switch to the language the person writes in, when the message says enough."""
    lang = event.parse.language
    words = len(event.parse.text.split())
    if lang in LANGUAGES and lang != state.language and intent != NOT_UNDERSTOOD and words >= 3:
        return lang
    return state.language


# "pode falar em português?", "can we talk in english?": the language the person asks for
LANGUAGE_ASKED = re.compile(
    r"\b(?:em|in)\s+(portugu[eê]s|portuguese|ingl[eê]s|english)\b", re.IGNORECASE
)


def asked_language(text: str) -> str | None:
    """The one language a message asks to be answered in, if it asks for one."""
    found = {
        "pt" if m.group(1).lower().startswith("portug") else "en"
        for m in LANGUAGE_ASKED.finditer(text)
    }
    return found.pop() if len(found) == 1 else None


def _user_turn(state: ConversationState, event: UserTurn, ctx: Context, flows: Flows) -> Step:
    if state.phase == "new":
        needs_identity = ctx.settings.identity_check == "confirm_name" and not state.verified
        state = state.evolve(phase="awaiting_identity" if needs_identity else "open")
    reading = read_message(
        handlers_offers.option_by_amount(event.parse, state.on_screen),
        ctx,
        flows,
        phase=state.phase,
        language=state.language or "pt",
        on_screen=len(state.on_screen),
    )
    intent = reading.intent
    state = state.evolve(language=_follow_language(state, event, intent))
    asked = asked_language(event.parse.text)
    if asked is not None:
        # an explicit ask wins over what the text looks like ("can we talk in english?")
        state = state.evolve(language=asked)
        if intent == NOT_UNDERSTOOD or set(reading.parse.all_values("topic")) == {
            "other_question"
        }:
            # nothing else in the message: say so in that language and carry on
            replies: list[Action] = [say("language_switched", ctx)]
            if state.phase == "awaiting_identity":
                replies.append(say("identity_ask_again", ctx))
            return _after(state, Step(replies, state), "language", ctx)
    if event.media and not event.parse.text.strip():
        if state.phase == "with_agent":
            return Turn(state=state, ctx=ctx, parse=event.parse, flows=flows).step()
        turn = Turn(state=state, ctx=ctx, parse=event.parse, flows=flows, media=event.media)
        return _after(state, handlers_payments.media(turn), "media", ctx)
    # "de novo essa mensagem? que saco": fewer messages (a week's pause), not "não entendi";
    # "já falei que vou pagar quando puder": no "Que bom!" to someone annoyed
    annoyed = has_phrase(flows, "repeat_complaint", state.language or "pt", event.parse.text)
    tired = intent == NOT_UNDERSTOOD and annoyed and _may_pause_for_repeats(state)
    before = state
    new_hardship = reading.hardship is not None and not state.extra.get("hardship_ack")
    if reading.hardship is not None and state.offers_segment is None:
        # a hardship told: whatever is proposed from now on comes from the hardship offers
        segment = ctx.debtor.segment or handlers_offers.HARDSHIP_SEGMENT
        state = state.evolve(offers_segment=segment)
    lead: list[Action] = []
    then: list[str] = []  # the rest of the message, done after the main handler
    offered = state.extra.get("human_offered") and state.phase != "with_agent"
    entities = [e.entity for e in reading.parse.entities]
    confirms = _confirms_identity(state, reading, intent)
    if offered and intent == "affirm":
        name = "request_human"
    elif reading.opt_out and _kept_before_opt_out(reading, flows) is None:
        name = "opt_out"
    elif state.phase == "awaiting_identity" and reading.identity == "soft":
        name = "identity_soft"
    elif confirms:
        # "sou eu sim. meu marido ficou doente, dá pra parcelar?": confirm, then act on the
        # rest of the message in the same turn.
        rest = reading.rest() if reading.identity == "yes" else intent
        confirmed = handlers_identity.confirm_quietly(_turn(state, event, reading, ctx, flows))
        state = confirmed.state
        if rest is None and QUESTION in reading.present():
            # "sim sou eu, mas isso é golpe?": the answer, then why we are writing
            name, then = "answer_question", ["identity_confirmed"]
        elif rest is None:
            name = "identity_confirmed"
            state = before
        else:
            lead, intent = confirmed.actions, rest
            name = flows.route(state.phase, intent, entities, parse=reading.parse)
    else:
        if reading.opt_out:
            intent = _kept_before_opt_out(reading, flows) or intent
        intent = _date_means(state, reading, intent, entities, ctx, flows)
        intent = _later_means(state, reading, intent, entities, flows)
        if _accepts_pending_plan(state, reading, flows):
            # "ok 6x entao, fechado": the plan on the table, accepted (its "6x" or its first
            # day is no new ask)
            intent, entities = "affirm", [e for e in entities if e not in ("installments", "date")]
        name = flows.route(state.phase, intent, entities, parse=reading.parse)
    if _pays_named_debt(state, reading, intent, name, event, ctx, flows):
        name = "pay_named"  # "quero pagar só o liquidificador": that one, not the balance
    if name == "callback_later" and reading.follow_up and (state.verified or _no_check(ctx)):
        name = "follow_up"
    if (
        new_hardship
        and name in ("no_means", "refuse_offers")
        and not _nothing_at_all(flows, event)
    ):
        # "100 não dá, tô desempregada": the hardship offers, not "talk later"
        name = "hardship_offers"
    if event.media and name == NOT_UNDERSTOOD and not lead:
        # "segue" under a photo: the file is the message
        turn = Turn(state=state, ctx=ctx, parse=event.parse, flows=flows, media=event.media)
        return _after(before, handlers_payments.media(turn), "media", ctx)
    if tired and name == NOT_UNDERSTOOD:
        name = "fewer_messages"
    if name in REST_QUESTION_ROUTES and handlers_promises.asks_about_the_rest(
        _turn(state, event, reading, ctx, flows)
    ):
        name = "the_rest"  # "e o resto?" after "só 100 hoje": what is left, and when
    if name == NOT_UNDERSTOOD and state.phase in DONE_PHASES and _says_done(event.parse.text):
        name = "already_paid"  # "feito" / "done" after the PIX: a payment told of
    if name == NOT_UNDERSTOOD and reading.parse.value("payment_method") == "pix":
        # "manda o valor certinho que eu faço o pix": the PIX, which carries the amount
        name = "ask_payment_method"
    if name == NOT_UNDERSTOOD and has_phrase(
        flows, "price_complaint", state.language or "pt", event.parse.text
    ):
        name = "price_complaint"  # "tá caro esse juros hein": heard, and what costs less
    if (
        name == NOT_UNDERSTOOD
        and event.parse.intent in ("promise_to_pay", "negotiate")
        and has_phrase(flows, "wants_in_full", state.language or "pt", event.parse.text)
    ):
        name = "negotiate"  # "quero quitar" (unsure): the price for paying it all at once
    elif (
        name == NOT_UNDERSTOOD
        and event.parse.intent in ("negotiate", "ask_debt_details")
        and (state.verified or _no_check(ctx))
        and _INSTALLMENT_WORDS.search(normalise(event.parse.text)) is not None
    ):
        # "me manda o valor atualizado e as opções de parcelamento" (unsure): the offers,
        # which open with the total
        name = "offers"
    if (
        name in (NOT_UNDERSTOOD, "answer_question")
        and ctx.agreement is None
        and (state.verified or _no_check(ctx))
        and has_phrase(flows, "had_agreement", state.language or "pt", event.parse.text)
    ):
        name = "no_agreement_now"  # "mas eu tinha feito um acordo": it ended; why, and again
    if (
        name in (NOT_UNDERSTOOD, "answer_question")
        and state.phase not in ("awaiting_receipt", "with_agent", "closed")
        and reading.topic in NOT_A_TOPIC
        and len(event.parse.text.split()) <= WHATS_NEXT_WORDS
        and has_phrase(flows, "whats_next", state.language or "pt", event.parse.text)
    ):
        name = "whats_next"  # "e agora?": what this moment waits for (an option, a day...)
    if (
        name in PART_AMOUNT_ROUTES
        and state.extra.get(handlers_promises.PART_DAY)
        and reading.parse.value("amount") is not None
        and reading.parse.value("installments") is None
    ):
        name = "promise_to_pay"  # "uns 300" to "quanto consegue no dia 10?": that, that day
    if (
        name == NOT_UNDERSTOOD
        and state.phase == "awaiting_identity"
        and event.parse.intent in handlers_questions.ABOUT_THE_DEBT
        and event.parse.confidence >= flows.supported_min_confidence
    ):
        # "quanto fica pra hoje?" (unsure) before the person is confirmed: about the debt,
        # answered once they are (not "essa eu fico devendo, não tenho essa informação")
        name = "answer_question"
    if name == NOT_UNDERSTOOD and _EMAIL.search(event.parse.text):
        name = "no_email"  # "meu email é ana@gmail.com": we send nothing by email
    language = state.language or "pt"
    if (
        name in SOMEONE_ELSE_ROUTES
        and (state.verified or _no_check(ctx))
        and has_phrase(flows, "someone_else_pays", language, event.parse.text)
    ):
        name = "someone_else_pays"  # "my husband handles this": anyone can pay, ask the PIX
    elif name == NOT_UNDERSTOOD and has_phrase(flows, "relay", language, event.parse.text):
        name = "acknowledge"  # "ill tell him": passed on to whoever pays
    elif (
        name == NOT_UNDERSTOOD
        and state.phase == "agreement"
        and has_phrase(flows, "wants_in_full", language, event.parse.text)
        and not _NEGATED.search(normalise(event.parse.text))
    ):
        name = "negotiate"  # "actually i want to pay it all at once": the agreement's rest
    elif (
        (name == NOT_UNDERSTOOD or name == "answer_question" and reading.topic in NOT_A_TOPIC)
        and state.phase in ("open", "awaiting_promise_date")
        and (state.verified or _no_check(ctx))
        and reading.parse.value("date") is None
        and has_phrase(flows, "weekend", language, event.parse.text)
    ):
        name = "which_day"  # "can i pay on the weekend instead": which day of it?
    elif (
        name in (NOT_UNDERSTOOD, "answer_question")
        and reading.topic in NOT_A_TOPIC
        and state.phase == "agreement"
        and reading.parse.value("date") is not None
        and has_phrase(flows, "can_i_pay", language, event.parse.text)
    ):
        name = "negotiate"  # "can i pay the first one on the 15th instead": a change, a person's
    if name == NOT_UNDERSTOOD and not lead and handlers_social.only_laughter(event.parse.text):
        name = "laughter"  # "kkkkk": a light reply and what is pending, not "não entendi"
    if (
        state.phase == "awaiting_receipt"
        and name in (NOT_UNDERSTOOD, "answer_question")
        and reading.topic in NOT_A_TOPIC
        and any(
            has_phrase(flows, words, state.language or "pt", event.parse.text)
            for words in ("receipt_words", "whats_next")
        )
    ):
        # "should i send a pic of it?" / "agora é só isso?": yes, the receipt here
        name = "receipt_how"
    elif (
        state.phase == "awaiting_receipt"
        and name == "ask_payment_method"
        and reading.parse.value("payment_method") is None
        and has_phrase(flows, "receipt_words", state.language or "pt", event.parse.text)
    ):
        name = "receipt_how"  # "i can send a pic": the photo, here ("pic" is no PIX)
    elif (
        state.phase == "awaiting_receipt"
        and name == NOT_UNDERSTOOD
        and reading.parse.value("payment_method") is not None
    ):
        name = "already_paid"  # "last week, cash at the store": how it was paid
    if (state.phase == "awaiting_receipt" or intent in RECEIPT_NOT_HARDSHIP) and has_phrase(
        flows, "no_receipt", state.language or "pt", event.parse.text
    ):
        # "não tenho comprovante, não me deram nada" to "me manda o comprovante?" (or after
        # saying it was paid at the store): the answer about the payment (a person checks),
        # not a hardship or an opt-out; a receipt is only ever about a payment made
        name, then = "already_paid", []
    step = HANDLERS[name](_turn(state, event, reading, ctx, flows, intent))
    if (
        reading.opt_out
        and step.state.phase == "awaiting_promise_date"
        and "opt_out" in flows.together.get(intent, ())
    ):
        # "pls stop messaging me, ill pay when i can": no "which day?" above the stop
        step = Step([], state)
    step.actions[:0] = lead
    if name not in NO_MORE:
        then += [s for s in flows.together.get(intent, ()) if s in reading.present()]
    step = _and_then(step, then, name, event, reading, ctx, flows, intent)
    step = _acknowledge_hardship(step, reading, name, len(lead), ctx)
    hedged = name in ("promise_to_pay", "ask_day") and has_phrase(
        flows, "maybe", state.language or "pt", event.parse.text
    )
    if annoyed or hedged:
        # "talvez mês que vem": a maybe gets no "Que bom!"
        step = Step([_calm(a) for a in step.actions], step.state)
    return _after(before, step, name, ctx)


def _calm(action: Action) -> Action:
    return (
        replace(action, vars={**action.vars, "calm": True})
        if isinstance(action, Reply)
        else action
    )


def _may_pause_for_repeats(state: ConversationState) -> bool:
    """A complaint of being told the same again ("de novo essa msg?") pauses reminders once,
    and never for someone who opted out."""
    return not state.opted_out and not state.extra.get(handlers_safety.FEWER_MESSAGES)


# Routes where naming one of several debts means paying (or asking about) only that one
NAMED_DEBT_ROUTES = frozenset(
    {
        "promise_to_pay",
        "ask_payment_method",
        "ask_debt_details",
        "answer_question",
        NOT_UNDERSTOOD,
        "ask_day",
        "negotiate",
        "offers",
    }
)
NAMED_DEBT_INTENTS = frozenset(
    {
        "promise_to_pay",
        "ask_payment_method",
        "ask_debt_details",
        NOT_UNDERSTOOD,
        "affirm",
        "negotiate",
    }
)


def _pays_named_debt(
    state: ConversationState,
    reading: Reading,
    intent: str,
    name: str,
    event: UserTurn,
    ctx: Context,
    flows: Flows,
) -> bool:
    """A message about paying that names some of several debts ("manda o pix só do sofá");
    read as putting off ("I can pay the headphones now, the phone I can't pay until next
    month"), when one part of it pays the debts the others do not name."""
    if state.phase not in ("open", "awaiting_promise_date", "offers_presented"):
        return False
    if intent in handlers_payments.PUT_OFF:
        if reading.parse.value("date") is not None:
            return False  # a day in it may be either part's: the usual route asks
        turn = _turn(state, event, reading, ctx, flows, intent)
        return bool(handlers_payments.paid_now_put_off_rest(turn))
    if name not in NAMED_DEBT_ROUTES or intent not in NAMED_DEBT_INTENTS:
        return False
    if name == "answer_question" and reading.topic not in ("breakdown", "status", None):
        return False
    text = event.parse.text
    if intent in (NOT_UNDERSTOOD, "affirm", "negotiate") and not handlers_payments.wants_to_pay(
        text
    ):
        return False
    if intent == "negotiate" and (
        reading.parse.value("installments") is not None
        or has_phrase(flows, "wants_installments", state.language or "pt", text)
    ):
        return False  # "quero parcelar só o sofá": a plan, not a payment
    turn = _turn(state, event, reading, ctx, flows, intent)
    return bool(handlers_payments.named_debts(turn))


def _confirms_identity(state: ConversationState, reading: Reading, intent: str) -> bool:
    """A yes to "falo com Maria?"; after a soft "ok" already asked about, a message about
    paying ("amanhã eu pago") is the person speaking of their own debt: a yes too."""
    if state.phase != "awaiting_identity" or reading.opt_out:
        return False
    if reading.identity == "yes":
        return True
    soft_before = bool(state.extra.get("identity_soft_asked"))
    return soft_before and reading.identity is None and intent in OWN_DEBT


def _accepts_pending_plan(state: ConversationState, reading: Reading, flows: Flows) -> bool:
    """A yes that repeats the plan waiting for it ("ok 6x então, fechado") accepts it.

    Not an "ah tá" said on the way to another question ("ah tá, juros né. e parcelado como
    fica?" with the payment in full waiting): the yes must lead the message or be a
    "fechado", and a question for the other kind of plan is never a yes to this one."""
    plan = state.pending_plan
    if state.phase != "confirming_plan" or plan is None or "affirm" not in reading.intents:
        return False
    language = state.language or "pt"
    text = reading.parse.text
    other_kind = "wants_installments" if plan.kind == "pay_in_full" else "wants_in_full"
    if has_phrase(flows, other_kind, language, text):
        return False
    if reading.intent != "affirm" and not has_phrase(flows, "decided", language, text):
        return False
    said = reading.parse.value("installments")
    if said is not None and str(said) != str(plan.installments):
        return False
    # "ta bom, dia 26 então. fechado": a day that is the plan's first payment is the same plan;
    # "ok friday then, in full": any day by the last day of the price in full is that price
    day = reading.parse.value("date")
    if day is None:
        return True
    if plan.kind == "pay_in_full":
        return str(day)[:10] <= plan.first_due.isoformat()
    return str(day)[:10] == plan.first_due.isoformat()


def _kept_before_opt_out(reading: Reading, flows: Flows) -> str | None:
    """An intent said with an opt-out that is still honoured first ("pago amanhã e para de
    mandar mensagem": the promise is kept, then the messages stop)."""
    return next(
        (i for i in reading.intents if i != "opt_out" and "opt_out" in flows.together.get(i, ())),
        None,
    )


def _date_means(
    state: ConversationState,
    reading: Reading,
    intent: str,
    entities: list[str],
    ctx: Context,
    flows: Flows,
) -> str:
    """In an open conversation a day said is a promise, as after "which day?": "pode ser dia 1
    então", "tomorrow", "cant today sorry, monday?" (a new day after a no); "next week" alone
    is a promise still without its day (we ask which)."""
    if state.phase == "awaiting_promise_date" and intent == "ask_payment_method":
        # "domingo mesmo, manda o pix": the day asked for, then its PIX (``together``)
        return "promise_to_pay" if "date" in entities else intent
    if state.phase != "open" or reading.topic not in NOT_A_TOPIC:
        return intent  # a question with a day in it ("vcs abrem domingo?") is no promise
    text = reading.parse.text
    language = state.language or "pt"
    bare_later = (
        intent == "callback_later"
        and not reading.follow_up
        and not has_phrase(flows, "callback_words", language, text)
    )
    if "date" not in entities:
        vague = any(
            has_phrase(flows, name, language, text)
            for name in ("later_next_week", "later_next_month")
        )
        return "promise_to_pay" if bare_later and vague else intent
    if len(reading.parse.all_values("date")) == 1 and has_phrase(
        flows, "missed_payment", language, text
    ):
        return "cannot_pay"  # "não consegui pagar segunda": the day missed, not a new one
    if intent in DATE_IS_PROMISE or bare_later:
        return "promise_to_pay"  # "tomorrow" to "shall we set a day?"
    if (
        intent == "ask_payment_method"
        and "payment_method" not in entities
        and _later_day(reading, ctx)
        and has_phrase(flows, "can_i_pay", language, text)
    ):
        # "I'm away until the 20th, can I pay when I'm back?": a day asked for, which the
        # promise rules answer (not the PIX of the whole balance for today)
        return "promise_to_pay"
    if intent == "cannot_pay" and _later_day(reading, ctx) and not _day_off(reading, flows):
        return "promise_to_pay"
    return intent


# "mês que vem" / "talvez semana que vem" alone: short, so nothing else is said in it
LATER_ALONE_WORDS = 6
# ... after a reminder, to "qual dia?", or to the offers ("talvez semana que vem" to 1) / 2))
LATER_PHASES = frozenset({"open", "awaiting_promise_date", "offers_presented"})


def _later_means(
    state: ConversationState, reading: Reading, intent: str, entities: list[str], flows: Flows
) -> str:
    """ "mês que vem", "talvez mês que vem", "acho que semana que vem" said alone (the
    classifier is unsure of them) are "mês que vem eu pago": a promise still without its
    day, which is asked for (as "next month" and "maybe next month" in English)."""
    if intent != NOT_UNDERSTOOD or state.phase not in LATER_PHASES:
        return intent
    text = reading.parse.text
    if "date" in entities or "?" in text or reading.topic not in NOT_A_TOPIC:
        return intent
    if len(text.split()) > LATER_ALONE_WORDS:
        return intent
    language = state.language or "pt"
    later = any(
        has_phrase(flows, name, language, text) for name in ("later_next_week", "later_next_month")
    )
    return "promise_to_pay" if later else intent


def _day_off(reading: Reading, flows: Flows) -> bool:
    """ "não vou conseguir pagar sexta": the one day named is the one that is off (with a
    second day, "... pode ser segunda?", that one is the new promise)."""
    return len(reading.parse.all_values("date")) == 1 and says_day_off(reading.parse, flows)


def _later_day(reading: Reading, ctx: Context) -> bool:
    """Whether the last day the message names is after today."""
    values = [str(v)[:10] for v in reading.parse.all_values("date")]
    return bool(values) and values[-1] > ctx.today.isoformat()


def _and_then(
    step: Step,
    then: list[str],
    name: str,
    event: UserTurn,
    reading: Reading,
    ctx: Context,
    flows: Flows,
    intent: str,
) -> Step:
    """Run what else the message said (``together``), each on the state the last left."""
    done = {name}
    entities = [e.entity for e in reading.parse.entities]
    for second in then:
        if step.state.phase in ("closed", "with_agent") and second != "opt_out":
            break
        if second == "ask_payment_method" and step.state.phase in OPTIONS_ON_TABLE:
            # "I get paid on the 20th, can I pay then?": the day was too far and the options
            # are on the table; a PIX of the whole balance under them answers nothing
            continue
        if second == "ask_payment_method" and _asks_only_the_day(reading, flows, step.state):
            # "i get paid friday, can i pay then?": that day asked (and noted), not the PIX
            continue
        if second == "identity_confirmed":
            handler = second
        elif second == QUESTION:
            handler = "answer_question"
        else:
            handler = flows.route(step.state.phase, second, entities, parse=reading.parse)
        answered = {topic for h in done for topic in ANSWERED_BY.get(h, ())}
        if handler in done or (second == QUESTION and reading.topic in answered):
            continue
        done.add(handler)
        acting = intent if second in (QUESTION, "identity_confirmed") else second
        more = HANDLERS[handler](_turn(step.state, event, reading, ctx, flows, acting))
        before = step.actions
        if handler == "ask_payment_method":
            # "o resto pago sexta, manda o pix": no "whenever you like, I can send the PIX"
            # right above the PIX itself
            before = [_pix_follows(a) for a in before]
        step = Step([*before, *more.actions], more.state)
    return step


_NEGATED = re.compile(r"\b(?:can\s*t|cant|cannot|won\s*t|wont|not|no|nao|n|nem)\b")

# what asks how to pay, beside "can i pay ...": "can i pay by pix", "how can i pay"
_HOW_TO_PAY = re.compile(
    r"\b(?:how|where|details?|key|code|bank|send|pix|boleto|link|card|qr|como|onde|chave|"
    r"codigo|dados|manda|mande|envia|envie)\b"
)


def _asks_only_the_day(reading: Reading, flows: Flows, state: ConversationState) -> bool:
    """ "i get paid friday, can i pay then?": a day asked for, nothing about how to pay."""
    text = reading.parse.text
    if reading.parse.value("payment_method") is not None or reading.parse.value("date") is None:
        return False
    if not has_phrase(flows, "can_i_pay", state.language or "pt", text):
        return False
    return _HOW_TO_PAY.search(normalise(text)) is None


def _pix_follows(action: Action) -> Action:
    if isinstance(action, Reply) and action.response == "promise_recorded":
        return replace(action, vars={**action.vars, "pix_follows": True})
    return action


def _nothing_at_all(flows: Flows, event: UserTurn) -> bool:
    if event.parse.value("hardship") in handlers_promises.NOT_NOW_HARDSHIPS:
        return True
    return has_phrase(flows, "no_means", "pt", event.parse.text) or has_phrase(
        flows, "no_means", "en", event.parse.text
    )


def _no_check(ctx: Context) -> bool:
    return ctx.settings.identity_check == "none"


def _turn(
    state: ConversationState,
    event: UserTurn,
    reading: Reading,
    ctx: Context,
    flows: Flows,
    intent: str = NOT_UNDERSTOOD,
) -> Turn:
    parse = reading.parse if intent == NOT_UNDERSTOOD else replace(reading.parse, intent=intent)
    return Turn(state=state, ctx=ctx, parse=parse, flows=flows, media=event.media, intent=intent)


def _acknowledge_hardship(step: Step, reading: Reading, name: str, at: int, ctx: Context) -> Step:
    """Illness, unemployment, a death...: said once per conversation, before anything else,
    and every reply of the turn in a calm register (no "Que ótimo!" after bad news)."""
    kind = reading.hardship
    if kind is None or name in NO_HARDSHIP_ACK or step.state.phase == "closed":
        return step
    actions = list(step.actions)
    state = step.state
    if not state.extra.get("hardship_ack"):
        actions = [
            a for a in actions if not (isinstance(a, Reply) and a.response in EMPATHY_REPLIES)
        ]
        # "😭😭😭" got "Entendo, o mês aperta mesmo", then "to sem grana esse mes": the same
        # empathy once is enough (an illness or a death told later still gets its own words)
        said = state.extra.get("said") or {}
        if not (kind in GENERIC_HARDSHIPS and any(r in said for r in EMPATHY_REPLIES)):
            actions.insert(min(at, len(actions)), say("hardship_ack", ctx, kind=kind))
        state = state.evolve(extra={**state.extra, "hardship_ack": kind})
    return Step([_calm(a) for a in actions], state)


def _vary(step: Step, ctx: Context) -> Step:
    """Give each reply a variant other than the one it had last time in this conversation
    ("blz" twice must not get the same sentence twice, nor a reminder two mornings running).

    The first time a response is used its variant comes from ``ctx.seed`` (as before); each
    later use takes the next one, so consecutive uses never repeat when there are variants.
    """
    said: dict[str, int] = dict(step.state.extra.get("said") or {})
    actions: list[Action] = []
    for action in step.actions:
        if isinstance(action, Reply) and action.variant is None:
            number = said[action.response] + 1 if action.response in said else ctx.seed
            said[action.response] = number
            action = replace(action, variant=number)
        actions.append(action)
    if not said:
        return step
    return Step(actions, step.state.evolve(extra={**step.state.extra, "said": said}))


def _after(before: ConversationState, step: Step, name: str, ctx: Context) -> Step:
    """Bookkeeping after a handler: not-understood streak, first-contact introduction."""
    new = step.state
    extra = {k: v for k, v in new.extra.items() if k != "human_offered"}
    if name == NOT_UNDERSTOOD:
        if new.not_understood_streak == 2:
            extra["human_offered"] = True
    elif name not in ("stay_silent", "media", "laughter"):
        new = new.evolve(not_understood_streak=0)
    new = new.evolve(extra=extra)
    actions = list(step.actions)
    if not before.introduced and name in INTRODUCES_ITSELF:
        new = new.evolve(introduced=True)
    elif not before.introduced and name not in NO_INTRO:
        actions.insert(0, say("intro", ctx, first_contact=True))
        new = new.evolve(introduced=True)
    return Step(actions, new)
