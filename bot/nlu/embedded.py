"""The default interpreter: our classifier for intents, our extractors for entities."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from bot.core.parse import Clause, Entity, Parse
from bot.nlu.clauses import split_clauses
from bot.nlu.extras import extract_all
from bot.nlu.model import NluModel
from bot.nlu.normalize import clean_input, fold, for_classifier
from bot.nlu.rules import (
    IDENTITY_CLAIM,
    OPT_OUT_LOOKALIKE,
    RULE_CONFIDENCE,
    WRONG_PERSON_DENIED,
    forced_intent,
)
from bot.nlu.understanding import (
    ClauseReading,
    adjust,
    in_context,
    main_reading,
    promote,
    question_topic,
)

# High-precision rules that win over the classifier (the whole message, normalised).
_OPT_OUT = re.compile(
    r"^(?:sair|stop|parar|pare|para|cancelar|descadastrar|unsubscribe|remover|end|quit|"
    r"stop all|pare de mandar|para de mandar)$"
)
_UNSURE = 0.4
_CONCESSION = re.compile(r"^\W*(?:mas|porem|so\s+que|but|though|however)\b")
# A clause that only says something was lost or deleted: "i lost it", "perdi", "apaguei a msg"
_LOST = re.compile(
    r"^\W*(?:(?:i|eu|q|que)\s+)?(?:lost|deleted|erased|perdi|apaguei|sumiu|excluí|exclui)"
    r"(?:\s+(?:it|o|a|the|my|meu|minha|esse|essa))?(?:\s+(?:code|codigo|pix|message|msg|mensagem|"
    r"link|boleto|qr|chave))?(?:\s+(?:sem\s+querer|by\s+accident|sorry|desculpa))?\W*$"
)
_BARE_OPTION = re.compile(
    r"^(?:(?:quero|escolho|fico com|vou de|vou na|vou com|prefiro|i want|i pick|i choose|"
    r"i will take|take|pick)\s+)?"
    r"(?:opcao|option|numero|number|no|n|nao|plano|plan|alternativa|a|o|the)?\s*0"
    r"(?:\s+(?:please|por favor|one))?$"
)


class EmbeddedInterpreter:
    """Parses text in-process in well under a millisecond."""

    def __init__(
        self,
        model: NluModel,
        *,
        timezone: str | tzinfo = "America/Sao_Paulo",
        default_language: str = "pt",
    ) -> None:
        self._model = model
        self._tz = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
        self._default_language = default_language

    @property
    def model(self) -> NluModel:
        return self._model

    def parse(self, text: str, now: datetime, *, language: str | None = None) -> Parse:
        """Intent, language, entities and clauses of ``text``; never raises on any text.

        A message of several parts ("sou eu sim. olha, não consigo pagar") is split into
        clauses, each classified on its own; the message's intent is the most actionable
        clause intent (see :mod:`bot.nlu.understanding`). Entities are found over the
        whole text and each belongs to the clause its span starts in.
        """
        raw = text if isinstance(text, str) else str(text)
        cleaned = clean_input(raw)
        normalized = for_classifier(cleaned)
        lang, _ = self._model.language.detect(
            normalized, fallback=language or self._default_language
        )
        today = now.astimezone(self._tz).date()
        entities = extract_all(cleaned, today, lang)
        # a day that only bounds another ("depois do dia 5") is reported, but the reading
        # goes as if it were not there (no dated promise)
        bounds = tuple(e for e in entities if e.role is not None)
        entities = tuple(e for e in entities if e.role is None)
        if not normalized.strip():
            return Parse(raw, lang, "out_of_scope", 1.0, (("out_of_scope", 1.0),), entities)
        spans = split_clauses(cleaned) or [(0, len(cleaned))]
        whole = self._read(
            cleaned, 0, len(cleaned), entities, today, whole_of=len(spans), normalized=normalized
        )
        if len(spans) == 1:
            readings = [replace(whole, start=spans[0][0], end=spans[0][1])]
        else:
            readings = [self._read(cleaned, a, b, entities, today) for a, b in spans]
        if len(readings) > 1:
            readings = in_context(readings)  # the clauses say what the main intent says
        clauses, extra = _clauses(cleaned, readings, entities)
        entities = tuple(sorted((*entities, *extra), key=lambda e: (e.start, e.end)))
        ranking = whole.ranking if len(readings) == 1 else main_reading(readings, whole.ranking)
        intent, confidence = ranking[0]
        if bounds:
            entities = tuple(sorted((*entities, *bounds), key=lambda e: (e.start, e.end)))
            clauses = tuple(_with_bounds(c, bounds) for c in clauses)
        return Parse(raw, lang, intent, confidence, tuple(ranking), entities, clauses)

    def _read(
        self,
        cleaned: str,
        start: int,
        end: int,
        entities: tuple[Entity, ...],
        today: date,
        *,
        whole_of: int = 0,
        normalized: str | None = None,
    ) -> ClauseReading:
        """One clause (or the whole text) classified, with rules and entities applied.
        ``normalized``: the part's ``for_classifier`` form when the caller has it already."""
        part = cleaned[start:end]
        inside = entities if whole_of else tuple(e for e in entities if start <= e.start < end)
        if normalized is None:
            normalized = for_classifier(part)
        if not normalized.strip():
            return ClauseReading(start, end, [("out_of_scope", 1.0)])
        ranking = self._model.classifier.rank(normalized)
        known = self._model.classifier.known_words(normalized)
        ranking = _apply_rules(normalized, ranking, inside, known)
        folded = fold(part)
        days = [str(e.value) for e in inside if e.entity == "date"]
        # a rule reads one clause; over a whole message of several it would misfire
        forced = None if whole_of > 1 else forced_intent(folded)
        if forced is not None:
            ranking = promote(ranking, forced, RULE_CONFIDENCE)
        ranking = adjust(
            ranking,
            inside,
            text=part,
            forced=forced is not None,
            opt_out_lookalike=OPT_OUT_LOOKALIKE.search(folded) is not None,
            past_only=bool(days) and max(days) < today.isoformat(),
        )
        question = question_topic(part, ranking[0][0], ranking[0][1], inside)
        dated = any(day >= today.isoformat() for day in days)  # "sexta passada" promises nothing
        return ClauseReading(
            start,
            end,
            ranking,
            forced is not None,
            dated,
            question,
            # "não é engano" says it is the person written to, as "sou eu" does
            identity=IDENTITY_CLAIM.search(folded) is not None
            or WRONG_PERSON_DENIED.search(folded) is not None,
            concession=_CONCESSION.match(folded) is not None,
            lost=_LOST.match(folded) is not None,
        )


def _clauses(
    cleaned: str, readings: list[ClauseReading], entities: tuple[Entity, ...]
) -> tuple[tuple[Clause, ...], list[Entity]]:
    """The clauses, and the ``other_question`` topics found for them."""
    out: list[Clause] = []
    extra: list[Entity] = []
    for r in readings:
        inside = tuple(e for e in entities if r.start <= e.start < r.end)
        intent, conf = r.ranking[0]
        part = cleaned[r.start : r.end]
        if r.question:
            topic = Entity("topic", "other_question", r.start, r.end, part)
            extra.append(topic)
            inside = (*inside, topic)
        out.append(Clause(part, r.start, r.end, intent, conf, inside))
    return tuple(out), extra


_CONSEQUENTIAL = frozenset({"opt_out", "wrong_person", "dispute", "insult", "request_human"})


def _apply_rules(
    normalized: str,
    ranking: list[tuple[str, float]],
    entities: tuple[Entity, ...],
    known_words: int,
) -> list[tuple[str, float]]:
    stripped = normalized.replace("!", "").replace("?", "").strip()
    forced: str | None = None
    if _OPT_OUT.match(stripped):
        forced = "opt_out"
    elif ranking[0][1] < _UNSURE and known_words == 0 and not entities:
        forced = "out_of_scope"  # no word it knows and no clear guess: "qwerty uiop"
    elif known_words == 0 and not entities and ranking[0][0] in _CONSEQUENTIAL:
        # an intent that changes things for good (stop writing, wrong person...) is never
        # read from a word the model has not seen: "blorp" looked like "stop" in n-grams
        forced = "out_of_scope"
    elif _BARE_OPTION.match(stripped) and any(e.entity == "option" for e in entities):
        forced = "choose_option"
    if forced is None:
        return ranking
    rest = [(name, conf * 0.05) for name, conf in ranking if name != forced]
    return [(forced, 1.0 - sum(c for _, c in rest)), *rest]


def _with_bounds(clause: Clause, bounds: tuple[Entity, ...]) -> Clause:
    inside = [e for e in bounds if clause.start <= e.start < clause.end]
    if not inside:
        return clause
    entities = tuple(sorted((*clause.entities, *inside), key=lambda e: (e.start, e.end)))
    return replace(clause, entities=entities)
