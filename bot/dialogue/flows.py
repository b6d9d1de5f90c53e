"""The routing table of ``dialogues/flows.yml``: which intent, in which phase, goes where.

Lookup for one turn (first match wins):

1. ``always[intent]`` (e.g. opt-out works in every phase);
1b. ``by_entity[NAME]`` when the message carries that entity (a ``topic`` the question is
   about, a ``relative`` answering) with one of its listed intents (for ``topic``, optionally
   only some topics per intent), in its phases;
2. ``phases[phase]["entity:NAME"]`` when the message carries that entity (a bare date
   while we wait for a day, a bare "2" while offers are on screen) and its intent is one of
   ``entity_routes_for`` (weak intents such as affirm or not_understood);
3. ``phases[phase][intent]``, then ``phases[phase]["*"]``;
4. ``default[intent]``;
5. the ``not_understood`` handler.

``intent`` is the parsed intent, or ``not_understood`` when the confidence is below the
threshold or the intent is ``out_of_scope``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.core.parse import ENTITY_NAMES, EXTRA_ENTITY_NAMES, INTENTS, QUESTION_TOPICS, Parse
from bot.dialogue.state import PHASES

NOT_UNDERSTOOD = "not_understood"
QUESTION = "question"  # in ``together``: a question of the message answered from data
DEFAULT_FLOWS_PATH = Path(__file__).resolve().parents[2] / "dialogues" / "flows.yml"

SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: faster start-up


ALL_ENTITIES = ENTITY_NAMES + EXTRA_ENTITY_NAMES
ANY_VALUE = "*"


class FlowError(ValueError):
    """A flows file that names an unknown phase, intent, entity or handler."""


@dataclass(frozen=True)
class EntityRoute:
    """A message carrying ``entity`` goes to ``handler`` when its intent is listed.

    ``intents`` maps an intent to the entity values it applies to (None: any value).
    ``phases`` None means every phase except ``except_phases``.
    """

    entity: str
    handler: str
    intents: Mapping[str, frozenset[str] | None]
    phases: frozenset[str] | None = None
    except_phases: frozenset[str] = frozenset()

    def matches(self, phase: str, intent: str, values: Iterable[str | int]) -> bool:
        if phase in self.except_phases or (self.phases is not None and phase not in self.phases):
            return False
        if intent not in self.intents:
            return False
        wanted = self.intents[intent]
        return any(wanted is None or str(v) in wanted for v in values)


@dataclass(frozen=True)
class Flows:
    always: Mapping[str, str]
    phases: Mapping[str, Mapping[str, str]]
    default: Mapping[str, str]
    entity_routes_for: frozenset[str] = frozenset({NOT_UNDERSTOOD})
    supported_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    supported_min_confidence: float = 0.0
    keywords: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    # Most actionable first: with several intents in one message, the first one listed wins.
    priority: tuple[str, ...] = ()
    by_entity: tuple[EntityRoute, ...] = ()
    # Per phase, intents ranked before ``priority`` (a plan awaiting "ok": the yes first).
    phase_priority: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # first intent -> what else said in the same message is done after it, in this order.
    together: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def route(
        self,
        phase: str,
        intent: str,
        entities: Iterable[str] = (),
        *,
        parse: Parse | None = None,
        skip: Iterable[str] = (),
    ) -> str:
        """The handler name for ``intent`` in ``phase``.

        ``parse`` gives the entity values ``by_entity`` routes look at; entity routes named in
        ``skip`` are ignored (a handler handing the turn back to the usual route).
        """
        if intent in self.always:
            return self.always[intent]
        if parse is not None:
            skipped = set(skip)
            for rule in self.by_entity:
                values = parse.all_values(rule.entity)
                if rule.entity not in skipped and rule.matches(phase, intent, values):
                    return rule.handler
        table = self.phases.get(phase, {})
        if intent in self.entity_routes_for:
            for name in entities:
                key = f"entity:{name}"
                if key in table:
                    return table[key]
        if intent in table:
            return table[intent]
        if "*" in table:
            return table["*"]
        return self.default.get(intent, NOT_UNDERSTOOD)

    def supports(self, intent: str, entities: Iterable[str]) -> bool:
        """Whether the message carries an entity that backs up ``intent``."""
        wanted = self.supported_by.get(intent, ())
        return any(name in wanted for name in entities)

    def keywords_for(self, name: str, language: str) -> tuple[str, ...]:
        """Keyword list ``name`` for ``language`` (empty when not configured)."""
        return tuple(self.keywords.get(name, {}).get(language, ()))

    def handlers(self) -> set[str]:
        """Every handler the table names."""
        names = set(self.always.values()) | set(self.default.values()) | {NOT_UNDERSTOOD}
        names |= {rule.handler for rule in self.by_entity}
        for table in self.phases.values():
            names |= set(table.values())
        return names


def _table(data: Any, where: str, *, phase: bool) -> dict[str, str]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FlowError(f"{where}: expected a mapping of intent -> handler")
    allowed = set(INTENTS) | {NOT_UNDERSTOOD}
    result: dict[str, str] = {}
    for key, value in data.items():
        key = str(key)
        ok = key in allowed
        if phase and (key == "*" or key.startswith("entity:")):
            ok = key == "*" or key.removeprefix("entity:") in ALL_ENTITIES
        if not ok:
            raise FlowError(f"{where}: unknown intent or key {key!r}")
        if not isinstance(value, str) or not value:
            raise FlowError(f"{where}.{key}: the handler must be a name")
        result[key] = value
    return result


def _phase_set(data: Any, where: str) -> frozenset[str]:
    names = frozenset(str(p) for p in data or ())
    unknown = names - set(PHASES)
    if unknown:
        raise FlowError(f"{where}: unknown phases {sorted(unknown)}")
    return names


def _entity_routes(data: Any) -> tuple[EntityRoute, ...]:
    """``by_entity``: entity -> {handler, intents, phases?, except_phases?}."""
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise FlowError("by_entity: expected a mapping of entity -> route")
    routes: list[EntityRoute] = []
    for entity, spec in data.items():
        where = f"by_entity.{entity}"
        if entity not in ALL_ENTITIES:
            raise FlowError(f"{where}: unknown entity")
        if not isinstance(spec, dict) or not isinstance(spec.get("handler"), str):
            raise FlowError(f"{where}: expected a mapping with a handler name")
        unknown = set(spec) - {"handler", "intents", "phases", "except_phases"}
        if unknown:
            raise FlowError(f"{where}: unknown keys {sorted(unknown)}")
        raw = spec.get("intents") or {}
        if isinstance(raw, list):
            raw = {name: ANY_VALUE for name in raw}
        intents: dict[str, frozenset[str] | None] = {}
        for intent, values in raw.items():
            if intent not in INTENTS and intent != NOT_UNDERSTOOD:
                raise FlowError(f"{where}.intents: unknown intent {intent!r}")
            if values == ANY_VALUE:
                intents[str(intent)] = None
                continue
            chosen = frozenset(str(v) for v in values)
            if entity == "topic" and chosen - set(QUESTION_TOPICS):
                raise FlowError(f"{where}.intents.{intent}: unknown topics {sorted(chosen)}")
            intents[str(intent)] = chosen
        phases = spec.get("phases")
        routes.append(
            EntityRoute(
                entity=str(entity),
                handler=str(spec["handler"]),
                intents=intents,
                phases=None if phases is None else _phase_set(phases, f"{where}.phases"),
                except_phases=_phase_set(spec.get("except_phases"), f"{where}.except_phases"),
            )
        )
    return tuple(routes)


def parse_flows(data: Any, *, handlers: Iterable[str] | None = None) -> Flows:
    """Build and check Flows from the loaded YAML; ``handlers`` are the known names."""
    if not isinstance(data, dict):
        raise FlowError("flows: expected a mapping at the top level")
    unknown = set(data) - {
        "version",
        "always",
        "entity_routes_for",
        "low_confidence",
        "phases",
        "default",
        "keywords",
        "priority",
        "phase_priority",
        "together",
        "by_entity",
    }
    if unknown:
        raise FlowError(f"flows: unknown keys {sorted(unknown)}")
    phases: dict[str, dict[str, str]] = {}
    for phase, table in (data.get("phases") or {}).items():
        if phase not in PHASES:
            raise FlowError(f"phases: unknown phase {phase!r} (known: {', '.join(PHASES)})")
        phases[phase] = _table(table, f"phases.{phase}", phase=True)
    keywords: dict[str, dict[str, tuple[str, ...]]] = {}
    for name, per_lang in (data.get("keywords") or {}).items():
        keywords[str(name)] = {
            str(lang): tuple(map(str, words)) for lang, words in per_lang.items()
        }
    weak = frozenset(str(i) for i in data.get("entity_routes_for") or (NOT_UNDERSTOOD,))
    bad = weak - set(INTENTS) - {NOT_UNDERSTOOD}
    if bad:
        raise FlowError(f"entity_routes_for: unknown intents {sorted(bad)}")
    low = data.get("low_confidence") or {}
    supported: dict[str, tuple[str, ...]] = {}
    for intent, names in (low.get("supported_by") or {}).items():
        known = set(ENTITY_NAMES) | set(EXTRA_ENTITY_NAMES)
        if intent not in INTENTS or any(n not in known for n in names):
            raise FlowError(f"low_confidence.supported_by: unknown intent or entity in {intent!r}")
        supported[str(intent)] = tuple(str(n) for n in names)
    priority = tuple(str(i) for i in data.get("priority") or ())
    unranked = set(priority) - set(INTENTS) - {NOT_UNDERSTOOD}
    if unranked:
        raise FlowError(f"priority: unknown intents {sorted(unranked)}")
    known = set(INTENTS) | {NOT_UNDERSTOOD}
    phase_priority: dict[str, tuple[str, ...]] = {}
    for phase, names in (data.get("phase_priority") or {}).items():
        ranked = tuple(str(i) for i in names or ())
        if phase not in PHASES or set(ranked) - known:
            raise FlowError(f"phase_priority.{phase}: unknown phase or intents")
        phase_priority[str(phase)] = ranked
    together: dict[str, tuple[str, ...]] = {}
    for first, then in (data.get("together") or {}).items():
        seconds = tuple(str(i) for i in then or ())
        if first not in known or set(seconds) - known - {QUESTION}:
            raise FlowError(f"together.{first}: unknown intents")
        together[str(first)] = seconds
    flows = Flows(
        priority=priority,
        phase_priority=phase_priority,
        together=together,
        always=_table(data.get("always"), "always", phase=False),
        phases=phases,
        default=_table(data.get("default"), "default", phase=False),
        entity_routes_for=weak,
        supported_by=supported,
        supported_min_confidence=float(low.get("min_confidence", 0.0)),
        keywords=keywords,
        by_entity=_entity_routes(data.get("by_entity")),
    )
    if handlers is not None:
        missing = flows.handlers() - set(handlers)
        if missing:
            raise FlowError(f"flows: unknown handlers {sorted(missing)}")
    return flows


def load_flows(path: Path, *, handlers: Iterable[str] | None = None) -> Flows:
    """Read and check a flows file."""
    with path.open(encoding="utf-8") as fh:
        return parse_flows(yaml.load(fh, Loader=SAFE_LOADER), handlers=handlers)


@lru_cache(maxsize=1)
def default_flows() -> Flows:
    """The project's ``dialogues/flows.yml``, read once (handlers are checked by the engine)."""
    return load_flows(DEFAULT_FLOWS_PATH)
