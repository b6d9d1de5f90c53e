"""A Rasa server as the intent classifier; our extractors still resolve the entities."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bot.core.parse import INTENTS, Parse
from bot.nlu.entities import extract
from bot.nlu.normalize import clean_input

_PT_HINTS = frozenset(
    [
        "nao",
        "voce",
        "vc",
        "eu",
        "pago",
        "que",
        "de",
        "pra",
        "para",
        "com",
        "sim",
        "obrigado",
        "oi",
        "tudo",
        "quero",
        "vou",
        "meu",
        "minha",
        "dia",
        "hoje",
        "amanha",
        "sexta",
        "reais",
    ]
)
_EN_HINTS = frozenset(
    [
        "i",
        "you",
        "the",
        "is",
        "it",
        "to",
        "my",
        "me",
        "pay",
        "will",
        "can",
        "not",
        "no",
        "yes",
        "hi",
        "thanks",
        "what",
        "how",
    ]
)


class RasaUnavailable(RuntimeError):
    """The Rasa server did not answer in time or answered with an error."""


def _guess_language(text: str, fallback: str) -> str:
    words = set(clean_input(text).lower().split())
    pt, en = len(words & _PT_HINTS), len(words & _EN_HINTS)
    return "pt" if pt > en else "en" if en > pt else fallback


class RasaInterpreter:
    """Intents from ``POST {url}/model/parse``; dates, amounts etc. from our extractors."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 2.0,
        timezone: str = "America/Sao_Paulo",
        default_language: str = "pt",
        client: httpx.Client | None = None,
    ) -> None:
        self._url = url.rstrip("/") + "/model/parse"
        self._timeout = timeout
        self._client = client or httpx.Client(timeout=timeout)
        self._tz = ZoneInfo(timezone)
        self._default_language = default_language

    @property
    def url(self) -> str:
        return self._url

    def close(self) -> None:
        self._client.close()

    def parse(self, text: str, now: datetime, *, language: str | None = None) -> Parse:
        """Ask Rasa for the intent; raises :class:`RasaUnavailable` when it cannot."""
        raw = text if isinstance(text, str) else str(text)
        cleaned = clean_input(raw)
        lang = _guess_language(cleaned, language or self._default_language)
        entities = extract(cleaned, now.astimezone(self._tz).date(), lang)
        if not cleaned.strip():  # nothing to classify: no need to ask the server
            return Parse(raw, lang, "out_of_scope", 1.0, (("out_of_scope", 1.0),), entities)
        body = self._post(cleaned)
        ranking = tuple(
            (str(r.get("name")), _confidence(r))
            for r in body.get("intent_ranking") or []
            if isinstance(r, dict) and r.get("name") in INTENTS
        )
        intent = body.get("intent") or {}
        name, confidence = str(intent.get("name") or ""), _confidence(intent)
        if name not in INTENTS:  # e.g. Rasa's nlu_fallback: the best intent of ours instead
            name, confidence = ranking[0] if ranking else ("out_of_scope", confidence)
        return Parse(raw, lang, name, confidence, ranking or ((name, confidence),), entities)

    def _post(self, text: str) -> dict[str, Any]:
        try:
            response = self._client.post(self._url, json={"text": text})
        except httpx.TimeoutException as exc:
            raise RasaUnavailable(
                f"Rasa server at {self._url} did not answer within {self._timeout:g} s "
                f"({type(exc).__name__})"
            ) from exc
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"Rasa server at {self._url} is unreachable: {exc}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(
                f"Rasa server at {self._url} answered HTTP {response.status_code}: "
                f"{response.text[:200]}"
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise RasaUnavailable(f"Rasa server at {self._url} answered non-JSON") from exc
        if not isinstance(body, dict):
            raise RasaUnavailable(f"Rasa server at {self._url} answered {type(body).__name__}")
        return body


def _confidence(item: dict[str, Any]) -> float:
    try:
        return float(item.get("confidence") or 0.0)
    except (TypeError, ValueError):
        return 0.0
