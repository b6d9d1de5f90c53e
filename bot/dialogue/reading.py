"""What the whole message says: every intent and signal in it, not just the main intent.

A debtor writes "oi boa tarde, sou eu sim. olha meu marido ficou doente, dá pra parcelar?":
one message that confirms identity, tells a hardship and asks for a plan. The NLU gives the
main intent plus ``Parse.clauses`` (each with its own intent) and entities such as
``hardship`` and ``soft_yes``; the keyword lists of ``dialogues/flows.yml`` back these up
(identity words, opt-out phrases, hardship words, "I'll check and let you know") so the
dialogue still reads them when the classifier is unsure.

:func:`read_message` turns all of that into a :class:`Reading`: the intent to act on (the
most actionable one, by ``flows.yml``'s ``priority``), whether identity was confirmed or
only softly acknowledged, the hardship told, and whether the turn was understood at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.core.parse import INTENTS, Entity, Parse
from bot.dialogue.context import Context
from bot.dialogue.flows import NOT_UNDERSTOOD, QUESTION, Flows
from bot.dialogue.turn import normalise

HARDSHIP_KINDS: tuple[str, ...] = (
    "death",
    "hospital",
    "illness",
    "unemployment",
    "divorce",
    "money_tight",
)
# Intents that say nothing beyond "yes", "hi" or "who is this": after an identity
# confirmation they leave nothing else to act on.
SOCIAL: frozenset[str] = frozenset(
    {"affirm", "greet", "thanks", "goodbye", "ask_identity", NOT_UNDERSTOOD}
)


@dataclass(frozen=True)
class Reading:
    """One message, read whole.

    ``intent`` is what to act on (``not_understood`` when nothing is); ``parse`` is the
    message's parse with that intent; ``identity`` is "yes" (confirmed), "soft" (a bare "ok"
    or 👍) or None; ``hardship`` one of :data:`HARDSHIP_KINDS` or None; ``intents`` every
    understood intent in the message, most actionable first.
    """

    intent: str
    parse: Parse
    identity: str | None = None
    hardship: str | None = None
    opt_out: bool = False
    follow_up: bool = False
    intents: tuple[str, ...] = ()
    topic: str | None = None

    def present(self) -> frozenset[str]:
        """Everything the message asks for, as the names ``flows.yml``'s ``together`` uses:
        its understood intents, ``opt_out``, and ``question`` when it asks an answerable one."""
        found = set(self.intents)
        if self.opt_out:
            found.add("opt_out")
        if self.topic is not None and self.topic != "other_question":
            found.add(QUESTION)
        return frozenset(found)

    @property
    def understood(self) -> bool:
        return self.intent != NOT_UNDERSTOOD or self.identity is not None or self.opt_out

    def rest(self) -> str | None:
        """The most actionable intent besides identity and small talk, if any ("vou ver com
        meu irmão e te aviso" after a hardship: a follow-up rather than the offers)."""
        found = next((i for i in self.intents if i not in SOCIAL and i != "deny"), None)
        if self.follow_up and found in (None, "cannot_pay", "callback_later"):
            return "callback_later"
        return found


_PUNCTUATION = re.compile(r"[^\w\s]")


# A message is read against some thirty keyword lists: its words, and each list's, are
# worked out once (lists are fixed for the process; texts repeat within a turn).
@lru_cache(maxsize=4096)
def _words(text: str) -> str:
    """Normalised text with punctuation as spaces, padded, for whole-word phrase checks."""
    plain = _PUNCTUATION.sub(" ", normalise(text))
    return f" {' '.join(plain.split())} "


@lru_cache(maxsize=1024)
def _padded_phrases(phrases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f" {_words(p).strip()} " for p in phrases if _words(p).strip()))


DAY_OFF_MIN_CONFIDENCE = 0.8  # a part read surely as cannot pay (the NLU's day-off rule)


def says_day_off(parse: Parse, flows: Flows) -> bool:
    """Whether a day named is said to be off: "não vou conseguir pagar sexta", or a part the
    NLU read surely as cannot pay with a day in it ("sexta não vai dar", "can't pay friday
    after all")."""
    if has_phrase(flows, "day_off", "pt", parse.text):  # pt or en alike
        return True
    return any(
        c.intent == "cannot_pay"
        and c.confidence >= DAY_OFF_MIN_CONFIDENCE
        and any(e.entity == "date" for e in c.entities)
        for c in parse.clauses
    )


def has_phrase(flows: Flows, name: str, language: str, text: str) -> bool:
    """Whether ``text`` holds one of the ``name`` keyword phrases (whole words, any language
    the person might switch to: the debtor's and English/Portuguese alike)."""
    padded = _words(text)
    phrases = (
        flows.keywords_for(name, language)
        + flows.keywords_for(name, "pt")
        + flows.keywords_for(name, "en")
    )
    return any(map(padded.__contains__, _padded_phrases(phrases)))  # no frame per phrase


def effective(
    intent: str, confidence: float, entities: list[str], ctx: Context, flows: Flows
) -> str:
    """``intent`` when it counts as understood at ``confidence``, else ``not_understood``."""
    if intent == "out_of_scope" or intent not in INTENTS:
        return NOT_UNDERSTOOD
    if confidence >= ctx.settings.nlu_threshold:
        return intent
    if confidence >= flows.supported_min_confidence and flows.supports(intent, entities):
        return intent
    return NOT_UNDERSTOOD


# "pode mandar o pix de 200 que eu pago hoje": the PIX asked for inside a promise's clause
_SEND_THE_PIX = re.compile(
    r"\b(?:manda|mandar|mande|me\s+manda|envia|enviar|envie|passa|me\s+passa|send|text)\s+"
    r"(?:me\s+)?(?:o|a|the|ai\s+o|aqui\s+o)?\s*pix\b"
)


# "agora não dá" / "não dá agora": "not now", which the classifier splits between these (and
# a plain no); together they are sure enough, and each answer fits ("talk later", "can't pay
# now", or the no to what was asked)
NOT_NOW = frozenset({"callback_later", "cannot_pay"})
NOT_NOW_SHARE = frozenset({*NOT_NOW, "deny"})


def _not_now(parse: Parse, ctx: Context) -> bool:
    """ "agora não dá", "não tem como antes não": the "not now" intents (a no among them)
    together sure enough; the top one is acted on."""
    if parse.intent not in NOT_NOW_SHARE:
        return False
    share = sum(c for name, c in parse.intent_ranking if name in NOT_NOW_SHARE)
    return share >= ctx.settings.nlu_threshold


def _understood_intents(parse: Parse, ctx: Context, flows: Flows) -> list[str]:
    main = effective(
        parse.intent, parse.confidence, [e.entity for e in parse.entities], ctx, flows
    )
    if main == NOT_UNDERSTOOD and _not_now(parse, ctx):
        main = parse.intent
    found = [main] if main != NOT_UNDERSTOOD else []
    for clause in parse.clauses:
        names = [e.entity for e in clause.entities]
        intent = effective(clause.intent, clause.confidence, names, ctx, flows)
        if intent != NOT_UNDERSTOOD and intent not in found:
            found.append(intent)
    asks_pix = "promise_to_pay" in found and "ask_payment_method" not in found
    if asks_pix and _SEND_THE_PIX.search(normalise(parse.text)):
        found.append("ask_payment_method")
    return found


# A promise without a day ("eu pago, mas tira os juros") gives way to these: the rest of the
# message says how, or on what terms.
BEFORE_A_DATELESS_PROMISE = ("negotiate", "ask_payment_method", "ask_debt_details")


def _rank(intents: list[str], flows: Flows, phase: str = "", dated: bool = True) -> list[str]:
    """Most actionable first: the phase's own order (what we are waiting for), then the
    general one."""
    first = flows.phase_priority.get(phase, ())
    order: dict[str, int] = {}
    for index, name in enumerate((*first, *flows.priority)):
        order.setdefault(name, index)
    ranked = sorted(intents, key=lambda i: order.get(i, len(order)))
    if not dated and "promise_to_pay" in ranked:
        ahead = [i for i in ranked if i in BEFORE_A_DATELESS_PROMISE]
        if ahead:
            ranked.remove("promise_to_pay")
            ranked.insert(ranked.index(ahead[-1]) + 1, "promise_to_pay")
    return ranked


def _overlap(a: Entity, b: Entity) -> bool:
    return a.start < b.end and b.start < a.end


def _dates_or_options(parse: Parse, on_screen: int) -> tuple[Entity, ...]:
    """ "sexta" / "a segunda" are a weekday or an ordinal: with that many options on screen
    it is the option ("a segunda" of two), otherwise the day ("pode ser sexta")."""
    kept: list[Entity] = []
    for e in parse.entities:
        other = "date" if e.entity == "option" else "option" if e.entity == "date" else None
        rival = next(
            (x for x in parse.entities if other and x.entity == other and _overlap(e, x)), None
        )
        if rival is not None:
            option = e if e.entity == "option" else rival
            is_option = isinstance(option.value, int) and 1 <= option.value <= on_screen
            if is_option != (e.entity == "option"):
                continue
        kept.append(e)
    return tuple(kept)


def _hardship(parse: Parse, flows: Flows, language: str) -> str | None:
    said = parse.value("hardship")
    if said in HARDSHIP_KINDS:
        return str(said)
    for kind in HARDSHIP_KINDS:
        if has_phrase(flows, f"hardship_{kind}", language, parse.text):
            return kind
    return None


def _identity(parse: Parse, intents: list[str], flows: Flows, language: str) -> str | None:
    """ "yes", "soft" or None, for a message that answers "am I talking to Maria?"."""
    if "deny" in intents or "wrong_person" in intents:
        return None
    if parse.value("relative") is not None:
        return None  # "sou a mãe dele", "this is his wife": someone else answering
    if has_phrase(flows, "identity_no", language, parse.text):
        return None
    if parse.value("soft_yes") is not None or _words(parse.text).strip() in _alone(
        flows, "soft_yes"
    ):
        return "soft"
    if _words(parse.text).strip() in _alone(flows, "identity_yes_alone"):
        return "yes"  # "eu" to "falo com Maria?"
    if not _words(parse.text).strip() and parse.text.strip():
        return "soft"  # an emoji alone (👍, 🙂): acknowledged, not confirmed
    if "ask_identity" in intents and "affirm" not in intents:
        return None  # "quem ta falando? é robô?": a question back, not a yes
    if "affirm" in intents or has_phrase(flows, "identity_yes", language, parse.text):
        return "yes"
    return None


def question_topic(parse: Parse) -> str | None:
    """The topic a message asks about: a known one before ``other_question`` ("são duas
    compras né? qto dá tudo?" is about the total)."""
    topics = [str(v) for v in parse.all_values("topic")]
    known = [v for v in topics if v != "other_question"]
    if "scam" in known:
        # "qual o cnpj de vcs? to com medo de ser golpe": how to check it is really the shop
        # comes first (that answer names the shop and its CNPJ as well)
        return "scam"
    chosen = known or topics
    return chosen[0] if chosen else None


def _alone(flows: Flows, name: str) -> frozenset[str]:
    """The ``name`` keywords of both languages, to compare with a whole message."""
    return _stripped(flows.keywords_for(name, "pt") + flows.keywords_for(name, "en"))


@lru_cache(maxsize=256)
def _stripped(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_words(w).strip() for w in words)


def read_message(
    parse: Parse, ctx: Context, flows: Flows, *, phase: str, language: str, on_screen: int = 0
) -> Reading:
    """Read ``parse`` whole, for a conversation in ``phase`` with ``on_screen`` options shown."""
    dated = parse.value("date") is not None
    intents = _rank(_understood_intents(parse, ctx, flows), flows, phase, dated)
    opt_out = (
        "opt_out" in intents
        or (
            has_phrase(flows, "opt_out", language, parse.text)
            and not has_phrase(flows, "only_when", language, parse.text)
        )
        or _words(parse.text).strip() in _alone(flows, "opt_out_alone")
    )
    hardship = _hardship(parse, flows, language)
    identity = _identity(parse, intents, flows, language) if phase == "awaiting_identity" else None
    follow_up = has_phrase(flows, "follow_up", language, parse.text)
    if hardship is not None and all(i in SOCIAL or i == "deny" for i in intents):
        intents = _rank(
            [*intents, "cannot_pay"], flows, phase, dated
        )  # a hardship told is answered
    if opt_out:
        intent = "opt_out"
    elif follow_up and (
        all(i in SOCIAL or i in ("cannot_pay", "callback_later") for i in intents)
        or has_phrase(flows, "day_later", language, parse.text)
    ):
        intent = "callback_later"
    elif intents:
        intent = intents[0]
    else:
        intent = NOT_UNDERSTOOD
    chosen = replace(
        parse,
        intent=intent if intent != NOT_UNDERSTOOD else parse.intent,
        entities=_dates_or_options(parse, on_screen),
    )
    return Reading(
        intent=intent,
        parse=chosen,
        identity=identity,
        hardship=hardship,
        opt_out=opt_out,
        follow_up=follow_up,
        intents=tuple(intents),
        topic=question_topic(parse),
    )
