"""The dialogue engine: ``decide(state, event, ctx) -> Decision(actions, state)``.

Pure: no I/O, no clock (``ctx.now``/``ctx.today``), no database. The routing of user turns
comes from ``dialogues/flows.yml`` (see :mod:`bot.dialogue.flows`); the handlers named there
live in the ``handlers_*`` modules and are registered in :data:`HANDLERS`.

Replies are rendered by the runtime in ``decision.state.language``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.parse import INTENTS
from bot.dialogue import (
    handlers_identity,
    handlers_offers,
    handlers_payments,
    handlers_promises,
    handlers_questions,
    handlers_safety,
    handlers_social,
)
from bot.dialogue.actions import Action
from bot.dialogue.context import (
    AgentReleased,
    Context,
    Event,
    PaymentConfirmed,
    Reminder,
    UserTurn,
)
from bot.dialogue.events import on_agent_released, on_payment, on_reminder
from bot.dialogue.flows import NOT_UNDERSTOOD, FlowError, Flows, default_flows
from bot.dialogue.state import ConversationState
from bot.dialogue.turn import Handler, Step, Turn, say

HANDLERS: dict[str, Handler] = {
    # identity
    "identity_confirmed": handlers_identity.identity_confirmed,
    "identity_denied": handlers_identity.identity_denied,
    "identity_required": handlers_identity.identity_required,
    "wrong_person": handlers_identity.wrong_person,
    "closed": handlers_identity.closed,
    "ask_identity": handlers_identity.ask_identity,
    # promises
    "promise_to_pay": handlers_promises.promise_to_pay,
    "ask_day": handlers_promises.ask_day,
    "cannot_pay": handlers_promises.cannot_pay,
    "no_means": handlers_promises.no_means,
    "callback_later": handlers_promises.callback_later,
    # offers
    "offers": handlers_offers.offers,
    "negotiate": handlers_offers.negotiate,
    "choose_option": handlers_offers.choose_option,
    "confirm_plan": handlers_offers.confirm_plan,
    "refuse_offers": handlers_offers.refuse_offers,
    # payments and data
    "already_paid": handlers_payments.already_paid,
    "ask_debt_details": handlers_payments.ask_debt_details,
    "ask_payment_method": handlers_payments.ask_payment_method,
    # safety
    "opt_out": handlers_safety.opt_out,
    "dispute": handlers_safety.dispute,
    "request_human": handlers_safety.request_human,
    "insult": handlers_safety.insult,
    "stay_silent": handlers_safety.stay_silent,
    # social
    "greet": handlers_social.greet,
    "thanks": handlers_social.thanks,
    "goodbye": handlers_social.goodbye,
    "acknowledge": handlers_social.acknowledge,
    NOT_UNDERSTOOD: handlers_social.not_understood,
    # questions answered from data, relatives answering (routed by entity)
    **handlers_questions.HANDLERS,
}

# Handlers after which no introduction is prepended on a first inbound message.
NO_INTRO = frozenset({"opt_out", "stay_silent", "closed"})
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
    return Decision(tuple(step.actions), step.state)


def effective_intent(event: UserTurn, ctx: Context, flows: Flows) -> str:
    """The parsed intent, or ``not_understood`` (low confidence, out of scope, unknown).

    Below the threshold, an intent backed by a matching entity ("pago na quinta": a date for
    promise_to_pay) is still taken when its confidence reaches ``low_confidence``'s minimum.
    """
    parse = event.parse
    if parse.intent == "out_of_scope" or parse.intent not in INTENTS:
        return NOT_UNDERSTOOD
    if parse.confidence >= ctx.settings.nlu_threshold:
        return parse.intent
    entities = [e.entity for e in parse.entities]
    if parse.confidence >= flows.supported_min_confidence and flows.supports(
        parse.intent, entities
    ):
        return parse.intent
    return NOT_UNDERSTOOD


def _follow_language(state: ConversationState, event: UserTurn, intent: str) -> str | None:
    """Switch to the language the person writes in, when the message says enough."""
    lang = event.parse.language
    words = len(event.parse.text.split())
    if lang in LANGUAGES and lang != state.language and intent != NOT_UNDERSTOOD and words >= 3:
        return lang
    return state.language


def _user_turn(state: ConversationState, event: UserTurn, ctx: Context, flows: Flows) -> Step:
    intent = effective_intent(event, ctx, flows)
    state = state.evolve(language=_follow_language(state, event, intent))
    if state.phase == "new":
        needs_identity = ctx.settings.identity_check == "confirm_name" and not state.verified
        state = state.evolve(phase="awaiting_identity" if needs_identity else "open")
    turn = Turn(state=state, ctx=ctx, parse=event.parse, flows=flows, media=event.media)
    if event.media and not event.parse.text.strip():
        if state.phase == "with_agent":
            return turn.step()
        name = "media"
        step = handlers_payments.media(turn)
    else:
        offered = state.extra.get("human_offered") and state.phase != "with_agent"
        if offered and intent == "affirm":
            name = "request_human"
        else:
            entities = [e.entity for e in event.parse.entities]
            name = flows.route(state.phase, intent, entities, parse=event.parse)
        step = HANDLERS[name](turn)
    return _after(state, step, name, ctx)


def _after(before: ConversationState, step: Step, name: str, ctx: Context) -> Step:
    """Bookkeeping after a handler: not-understood streak, first-contact introduction."""
    new = step.state
    extra = {k: v for k, v in new.extra.items() if k != "human_offered"}
    if name == NOT_UNDERSTOOD:
        if new.not_understood_streak == 2:
            extra["human_offered"] = True
    elif name not in ("stay_silent", "media"):
        new = new.evolve(not_understood_streak=0)
    new = new.evolve(extra=extra)
    actions = list(step.actions)
    if not before.introduced and name not in NO_INTRO:
        actions.insert(0, say("intro", ctx, first_contact=True))
        new = new.evolve(introduced=True)
    return Step(actions, new)
