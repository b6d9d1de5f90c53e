"""Reading NLU training and test data in Rasa 3 YAML (``nlu:`` / ``intent:`` / ``examples:``)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

_ANNOTATION = re.compile(r"\[([^\]]*)\]\((?:[^)]*)\)|\[([^\]]*)\]\{[^}]*\}")


@dataclass(frozen=True)
class Example:
    """One training or test sentence: its text, intent and language."""

    text: str
    intent: str
    language: str


def strip_annotations(text: str) -> str:
    """``"pago [sexta](date)"`` -> ``"pago sexta"``."""
    return _ANNOTATION.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)


def data_files(data_dir: Path) -> list[Path]:
    """The YAML files of every language folder, in a stable order."""
    return sorted(p for p in data_dir.glob("*/*.yml") if p.is_file())


def data_hash(data_dir: Path, *, salt: str = "") -> str:
    digest = hashlib.sha256(salt.encode())
    for path in data_files(data_dir):
        digest.update(str(path.relative_to(data_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_rasa_file(path: Path, *, language: str | None = None) -> list[Example]:
    """Examples of one Rasa NLU YAML file; ``language`` defaults to the folder name."""
    lang = language or path.parent.name
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: list[Example] = []
    for block in loaded.get("nlu") or []:
        intent = block.get("intent") if isinstance(block, dict) else None
        if not intent:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                out.append(Example(strip_annotations(line[2:].strip()), str(intent), lang))
    return out


def load_training_data(data_dir: Path) -> list[Example]:
    """Every example under ``data_dir/<language>/*.yml``."""
    examples: list[Example] = []
    for path in data_files(data_dir):
        examples.extend(read_rasa_file(path))
    return examples
