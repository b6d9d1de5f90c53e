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
        self._client = client or httpx.Client(timeout=timeout)
        self._tz = ZoneInfo(timezone)
        self._default_language = default_language

    def close(self) -> None:
        self._client.close()

    def parse(self, text: str, now: datetime, *, language: str | None = None) -> Parse:
        """Ask Rasa for the intent; raises :class:`RasaUnavailable` when it cannot."""
        try:
            response = self._client.post(self._url, json={"text": clean_input(text)})
            response.raise_for_status()
            body: dict[str, Any] = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"Rasa server at {self._url} failed: {exc}") from exc
        lang = _guess_language(text, language or self._default_language)
        intent = body.get("intent") or {}
        name = str(intent.get("name") or "out_of_scope")
        if name not in INTENTS:
            name = "out_of_scope"
        ranking = tuple(
            (str(r.get("name")), float(r.get("confidence") or 0.0))
            for r in body.get("intent_ranking") or []
            if r.get("name") in INTENTS
        )
        entities = extract(text, now.astimezone(self._tz).date(), lang)
        return Parse(text, lang, name, float(intent.get("confidence") or 0.0), ranking, entities)
