"""Response texts from ``dialogues/responses/{pt,en}.yml``, rendered with Jinja2's sandbox.

Block tags on a line of their own leave no empty line behind: empty lines are dropped.
A responses file maps a response name to one text or a list of variants. The special key
``_macros`` holds Jinja macros available to every text (e.g. how to describe a plan).
Filters: ``money``, ``date``, ``weekday_date``, ``day_of_month``, ``percent`` (per
language). Templates also see ``business`` (name, cnpj, phone, assistant, agent_hours,
optional agent_hours_en) and the reply's vars.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
import yaml
from jinja2 import Template, Undefined, nodes
from jinja2.sandbox import SandboxedEnvironment

from bot.dialogue.actions import Reply
from bot.dialogue.context import DialogueSettings
from bot.dialogue.formatting import (
    format_clock,
    format_date,
    format_day_of_month,
    format_money,
    format_month,
    format_ordinal,
    format_percent,
    format_weekday_date,
    hours_en,
)
from bot.dialogue.names import RESPONSES

LANGUAGES: tuple[str, ...] = ("pt", "en")
TextKey = tuple[str, str, int]  # (language, response name, variant index)
MACROS_KEY = "_macros"

# libyaml's safe loader where it is built in: start-up reads these files (seconds in Python)
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ResponseError(ValueError):
    """A responses file that is missing a response or does not compile."""


class PrintStrictUndefined(Undefined):
    """Missing vars may be tested (``{% if promise_due %}``) but never printed."""

    __slots__ = ()

    def __str__(self) -> str:
        self._fail_with_undefined_error()
        return ""  # pragma: no cover


def _filter(fmt: Callable[[Any, str], str], language: str, strict: bool) -> Callable[[Any], str]:
    def apply(value: Any) -> str:
        if isinstance(value, Undefined):
            if strict:
                value._fail_with_undefined_error()
            return ""
        return "" if value is None else fmt(value, language)

    return apply


@lru_cache(maxsize=8)
def _environment(language: str, *, strict: bool) -> SandboxedEnvironment:
    """One sandbox per language (building one per template made loading take seconds)."""
    env = SandboxedEnvironment(
        autoescape=False,
        trim_blocks=False,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        undefined=PrintStrictUndefined if strict else Undefined,
    )
    env.filters["money"] = _filter(format_money, language, strict)
    env.filters["date"] = _filter(format_date, language, strict)
    env.filters["month"] = _filter(format_month, language, strict)
    env.filters["ordinal"] = _filter(format_ordinal, language, strict)
    env.filters["day_of_month"] = _filter(format_day_of_month, language, strict)
    env.filters["weekday_date"] = _filter(format_weekday_date, language, strict)
    env.filters["percent"] = _filter(format_percent, language, strict)
    env.filters["clock"] = _filter(format_clock, language, strict)
    env.filters["hours_en"] = lambda value: hours_en(str(value or ""))
    return env


def business_vars(settings: DialogueSettings) -> dict[str, Any]:
    """The ``business`` dict that :meth:`ResponseBook.render` expects, from the settings.

    Texts kept per language (``store_hours``, ``credit_bureau_policy``,
    ``verification_hint``) are dicts: a template reads ``business.store_hours.en``.
    """
    return {
        "name": settings.business_name,
        "cnpj": settings.business_cnpj,
        "phone": settings.business_phone,
        "assistant": settings.assistant_name,
        "agent_hours": settings.agent_hours_text,
        "address": settings.business_address,
        "website": settings.business_website,
        "merchant_name": settings.merchant_name or settings.business_name,
        "store_hours": _both(settings.store_hours),
        "store_payment_methods": list(settings.store_payment_methods),
        "credit_bureau_policy": _both(settings.credit_bureau_policy),
        "verification_hint": _both(settings.verification_hint),
    }


def _both(texts: Mapping[str, str]) -> dict[str, str]:
    """A text per language, "" where none is configured (templates test it with ``if``)."""
    return {lang: texts.get(lang, "") for lang in LANGUAGES}


def _variants(value: Any, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise ResponseError(f"{where}: expected a text or a non-empty list of texts")
    return tuple(items)


@dataclass
class ResponseBook:
    """All response texts, compiled, per language."""

    texts: dict[str, dict[str, tuple[str, ...]]]
    strict: bool = False
    _compiled: dict[tuple[str, str, int], Template] = field(default_factory=dict, repr=False)
    # compiled code of each variant, from ``bot.dialogue.compiled_cache`` (a template made
    # from it costs microseconds; compiling one costs milliseconds)
    codes: dict[TextKey, CodeType] = field(default_factory=dict, repr=False)
    _labels: dict[tuple[str, str, str, str], str] = field(default_factory=dict, repr=False)

    @classmethod
    def load(
        cls,
        directory: Path,
        *,
        languages: Iterable[str] = LANGUAGES,
        required: Iterable[str] = RESPONSES,
        strict: bool = False,
        check: bool = True,
    ) -> ResponseBook:
        """Read ``directory/{lang}.yml`` (or ``directory/responses/{lang}.yml``).

        Every name in ``required`` must exist in every language and every text must compile,
        otherwise :class:`ResponseError` names what is wrong. ``check=False`` leaves the
        texts' check to the caller (texts whose compiled code is cached passed it).
        """
        base = directory / "responses" if (directory / "responses").is_dir() else directory
        texts: dict[str, dict[str, tuple[str, ...]]] = {}
        for lang in languages:
            path = base / f"{lang}.yml"
            if not path.exists():
                raise ResponseError(f"{path}: missing responses file for language {lang!r}")
            with path.open(encoding="utf-8") as fh:
                data = yaml.load(fh, Loader=SAFE_LOADER) or {}
            if not isinstance(data, dict):
                raise ResponseError(f"{path}: expected a mapping of name -> texts")
            texts[lang] = {
                str(k): _variants(v, f"{path}:{k}") for k, v in data.items() if k != MACROS_KEY
            }
            texts[lang][MACROS_KEY] = (str(data.get(MACROS_KEY, "")),)
            missing = sorted(set(required) - set(texts[lang]))
            if missing:
                raise ResponseError(f"{path}: missing responses {', '.join(missing)}")
        book = cls(texts=texts, strict=strict)
        if check:
            book.check_all()
        return book

    def check_all(self) -> None:
        """Parse every variant now and check its filters and tests exist, so a broken text
        fails at load time. Compiling (code generation, the costly part: seconds for the
        two files) waits for a text's first use; ``compile_all`` does it all at once."""
        for lang, names in self.texts.items():
            env = _environment(lang, strict=self.strict)
            try:
                env.parse(self.texts[lang].get(MACROS_KEY, ("",))[0])
            except Exception as exc:
                raise ResponseError(f"{lang}.yml:{MACROS_KEY}: {exc}") from exc
            for name, variants in names.items():
                if name == MACROS_KEY:
                    continue
                for index, source in enumerate(variants):
                    try:
                        _check_names(env, env.parse(source))
                    except Exception as exc:  # jinja2.TemplateSyntaxError and friends
                        raise ResponseError(f"{lang}.yml:{name}[{index}]: {exc}") from exc

    def compile_all(self) -> None:
        """Compile every variant now (tests; the app compiles each on first use)."""
        for lang, names in self.texts.items():
            for name, variants in names.items():
                if name == MACROS_KEY:
                    continue
                for index in range(len(variants)):
                    try:
                        self._template(lang, name, index)
                    except Exception as exc:  # jinja2.TemplateSyntaxError and friends
                        raise ResponseError(f"{lang}.yml:{name}[{index}]: {exc}") from exc

    def keys(self) -> Iterator[TextKey]:
        """(language, name, variant index) of every text."""
        for lang, names in self.texts.items():
            for name, variants in names.items():
                if name != MACROS_KEY:
                    yield from ((lang, name, index) for index in range(len(variants)))

    def fingerprint(self) -> str:
        """What compiled code depends on: the texts, strictness, Jinja and Python."""
        digest = hashlib.sha256()
        for part in (jinja2.__version__, sys.version, str(self.strict)):
            digest.update(part.encode() + b"\0")
        digest.update(json.dumps(self.texts, sort_keys=True, ensure_ascii=False).encode())
        return digest.hexdigest()

    def compiled_codes(self) -> dict[TextKey, CodeType]:
        """Every variant compiled to code (seconds: what ``compiled_cache`` keeps)."""
        return {key: self._code(*key) for key in self.keys()}

    def variants(self, name: str, language: str) -> tuple[str, ...]:
        return self.texts[self._lang(language)][name]

    def _lang(self, language: str) -> str:
        if language in self.texts:
            return language
        short = language.split("-")[0].lower()
        return short if short in self.texts else next(iter(self.texts))

    def _source(self, lang: str, name: str, index: int) -> str:
        text = self.texts[lang][name][index]
        macros = self.texts[lang].get(MACROS_KEY, ("",))[0]
        # the macros read the text's variables, so they are compiled into it, but only into
        # the texts that call one (most do not)
        uses_macro = any(f"{m}(" in text for m in _macro_names(macros))
        return macros + text if uses_macro else text

    def _code(self, lang: str, name: str, index: int) -> CodeType:
        env = _environment(lang, strict=self.strict)
        code: CodeType = env.compile(self._source(lang, name, index))
        return code

    def _template(self, lang: str, name: str, index: int) -> Template:
        key = (lang, name, index)
        if key not in self._compiled:
            env = _environment(lang, strict=self.strict)
            code = self.codes.get(key) or self._code(lang, name, index)
            self._compiled[key] = env.template_class.from_code(
                env, code, env.make_globals(None), None
            )
        return self._compiled[key]

    def render(
        self, reply: Reply, language: str, *, seed: int, business: Mapping[str, Any]
    ) -> str:
        """The text of ``reply`` in ``language``; the variant is ``reply.variant``, else
        picked by ``seed`` (the same index either way for the same number)."""
        lang = self._lang(language)
        variants = self.texts[lang].get(reply.response)
        if variants is None:
            raise ResponseError(f"unknown response {reply.response!r} for {lang!r}")
        pick = seed if reply.variant is None else reply.variant
        index = (pick + zlib.crc32(reply.response.encode())) % len(variants)
        values = {**reply.vars, "business": dict(business)}
        text = self._template(lang, reply.response, index).render(**values)
        return _tidy(text)

    def render_label(
        self, response: str, values: Mapping[str, Any], language: str, business: Mapping[str, Any]
    ) -> str:
        """A tappable answer's text (always the first variant's pick for seed 0). A menu
        shows the same plans turn after turn: each label was rendered afresh each time, a
        sixth of a reply's CPU; the texts depend on nothing but these values, so they are
        kept (keyed by the values' repr, which shows every amount and date in them)."""
        key = (response, language, repr(values), repr(business))
        text = self._labels.get(key)
        if text is None:
            if len(self._labels) >= _LABELS_KEPT:
                self._labels.clear()
            reply = Reply(response=response, vars=dict(values))
            text = self._labels[key] = self.render(reply, language, seed=0, business=business)
        return text


_LABELS_KEPT = 4096


@lru_cache(maxsize=16)
def _macro_names(macros: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\{%-?\s*macro\s+(\w+)", macros))


def _check_names(env: SandboxedEnvironment, tree: nodes.Template) -> None:
    """What compiling would refuse: a filter or test the environment does not have."""
    for node in tree.find_all(nodes.Filter):
        if node.name not in env.filters:
            raise ResponseError(f"no filter named {node.name!r}")
    for test in tree.find_all(nodes.Test):
        if test.name not in env.tests:
            raise ResponseError(f"no test named {test.name!r}")


def _tidy(text: str) -> str:
    """Trim spaces at line ends and drop empty lines (left by block tags on their own line)."""
    return "\n".join(line.rstrip() for line in text.strip().splitlines() if line.strip())
