"""The page's texts, from ``dialogues/portal/{pt,en}.yml`` (texts a debtor reads live in
``dialogues/``), and how money and dates read in each language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("pt", "en")
TEXTS_DIR = Path(__file__).resolve().parents[2] / "dialogues" / "portal"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@lru_cache(maxsize=4)
def load_texts(language: str, directory: Path = TEXTS_DIR) -> dict[str, str]:
    data: Any = yaml.safe_load((directory / f"{language}.yml").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{directory / language}.yml: expected a mapping of texts")
    return {str(k): str(v) for k, v in data.items()}


def check_languages(directory: Path = TEXTS_DIR) -> None:
    """Every text exists in every language (called when the app starts)."""
    keys = [set(load_texts(lang, directory)) for lang in LANGUAGES]
    missing = keys[0] ^ keys[1]
    if missing:
        raise ValueError(f"portal texts missing in one language: {sorted(missing)}")


def money_text(value: Decimal, language: str) -> str:
    """R$ 1.234,56 (pt) or R$1,234.56 (en); exact, Decimal in."""
    whole = f"{abs(value):,.2f}"
    sign = "-" if value < 0 else ""
    if language == "pt":
        return f"{sign}R$ " + whole.replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{sign}R${whole}"


def date_text(value: date, language: str) -> str:
    if language == "pt":
        return value.strftime("%d/%m/%Y")
    return f"{_MONTHS[value.month - 1]} {value.day}, {value.year}"


class Texts:
    """``t("key", name=...)`` in one language."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else "pt"
        self._texts = load_texts(self.language)

    def __call__(self, key: str, **values: Any) -> str:
        text = self._texts[key]
        return text.format(**values) if values else text

    def money(self, value: Decimal) -> str:
        return money_text(value, self.language)

    def day(self, value: date) -> str:
        return date_text(value, self.language)
