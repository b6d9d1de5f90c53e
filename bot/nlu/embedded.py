"""The default interpreter: our classifier for intents, our extractors for entities."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from bot.core.parse import Entity, Parse
from bot.nlu.entities import extract
from bot.nlu.model import NluModel
from bot.nlu.normalize import clean_input, for_classifier

# High-precision rules that win over the classifier (the whole message, normalised).
_OPT_OUT = re.compile(
    r"^(?:sair|stop|parar|pare|para|cancelar|descadastrar|unsubscribe|remover|end|quit|"
    r"stop all|pare de mandar|para de mandar)$"
)
_UNSURE = 0.4
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
        """Intent, language and resolved entities of ``text``; never raises on any text."""
        raw = text if isinstance(text, str) else str(text)
        cleaned = clean_input(raw)
        normalized = for_classifier(cleaned)
        lang, _ = self._model.language.detect(
            normalized, fallback=language or self._default_language
        )
        today = now.astimezone(self._tz).date()
        entities = extract(cleaned, today, lang)
        if not normalized.strip():
            return Parse(raw, lang, "out_of_scope", 1.0, (("out_of_scope", 1.0),), entities)
        ranking = self._model.classifier.rank(normalized)
        known = self._model.classifier.known_words(normalized)
        ranking = _apply_rules(normalized, ranking, entities, known)
        intent, confidence = ranking[0]
        return Parse(raw, lang, intent, confidence, tuple(ranking), entities)


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
