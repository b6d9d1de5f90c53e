"""Canned replies for agents (``dialogues/canned.yml``), filled with the debtor's facts.

The texts live in ``dialogues/`` like every text a debtor reads; a placeholder the facts
do not have stays visible (``{name}``) so the agent notices before sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.resources import resource_path

CANNED_FILE = Path("dialogues") / "canned.yml"


@dataclass(frozen=True)
class Canned:
    key: str
    title: str
    text: str


class _Keep(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Any]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def canned_replies(language: str, facts: dict[str, str]) -> list[Canned]:
    lang = "en" if language == "en" else "pt"
    found = []
    for key, entry in _load(str(resource_path(CANNED_FILE))).items():
        text = str(entry.get(lang) or "")
        titles = entry.get("title") or {}
        title = str(titles.get(lang) or key) if isinstance(titles, dict) else key
        if text:
            found.append(Canned(key, title, text.format_map(_Keep(facts))))
    return found
