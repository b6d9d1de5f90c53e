"""A Rasa server as the intent classifier; our extractors still resolve the entities."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bot.core.parse import INTENTS, Parse
from bot.nlu.extras import extract_all
from bot.nlu.normalize import clean_input

# Rasa only gives the intent; the language (which decides "1.250" and "10/12") is guessed from
# common words, accents and English contractions.
_PT_WORDS = """
    a ai alguem amanha ate boa bom cade cara com como conta das de depois desse deve devo dia
    dinheiro do dos e ela ele em essa esse esta estou eu fala faz favor hoje isso ja la liga
    mais mas me meu minha muito na nada nao nem no nome num numero o obrigado obrigada oi ou
    pago pagar para parcela parcelar pelo pode por porque pra pro quando quanto que quem quero
    reais sei sem semana sexta sim so sou ta tchau tem tenho to tudo um uma vc voce vou
"""
_EN_WORDS = """
    a about again ahead already am and any anymore anyone are back bill bot broke but by bye
    call can cant care charge company could did do dont first for from get go good goodbye
    have hell hello hey hi how i idiot im is isnt it its ive just know later me mine million
    money morning afternoon evening my nah name need never next no not now number of off ok
    on one option paid pay please representative right send so sorry stop stupid sure take
    text thanks thank that thats the their them there this to today tomorrow tonight two ty
    want was what whats when who will with wont work wrong yep yes you your
"""
_PT_HINTS = frozenset(_PT_WORDS.split())
_EN_HINTS = frozenset(_EN_WORDS.split())
_PT_CHARS = frozenset("ãõçáéíóúâêôà")


class RasaUnavailable(RuntimeError):
    """The Rasa server did not answer in time or answered with an error."""


def _guess_language(text: str, fallback: str) -> str:
    lowered = text.lower()
    words = [w.replace("'", "").replace("’", "") for w in re.findall(r"[\w'’]+", lowered)]
    pt = sum(w in _PT_HINTS for w in words) + 2 * sum(c in _PT_CHARS for c in lowered)
    en = sum(w in _EN_HINTS for w in words) + 2 * len(
        re.findall(r"\w['’](?:s|t|m|re|ve|ll|d)\b", lowered)
    )
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

    def __enter__(self) -> RasaInterpreter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def parse(self, text: str, now: datetime, *, language: str | None = None) -> Parse:
        """Ask Rasa for the intent; raises :class:`RasaUnavailable` when it cannot."""
        raw = text if isinstance(text, str) else str(text)
        cleaned = clean_input(raw)
        lang = _guess_language(cleaned, language or self._default_language)
        entities = extract_all(cleaned, now.astimezone(self._tz).date(), lang)
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
