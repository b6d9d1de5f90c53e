"""Where shipped resources live (``dialogues/``, ``offers/``, ``nlu_data/``), never found
through the working directory by accident.

A relative path is resolved against, in order: the directory of the config file named by
``QUITA_CONFIG``; the source checkout this package runs from (a fresh clone or the editable
install); ``<sys.prefix>/share/quita`` (a wheel, through ``[tool.setuptools.data-files]``).
A resource found in none of them is an error naming every place looked at.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]


class MissingResource(ValueError):
    """A shipped resource is not where the deployment says it is."""


def roots() -> list[Path]:
    found: list[Path] = []
    config = os.environ.get("QUITA_CONFIG")
    if config:
        found.append(Path(config).resolve().parent)
    found += [CHECKOUT, Path(sys.prefix) / "share" / "quita"]
    return found


def resource_path(path: Path | str) -> Path:
    """The existing file or directory ``path`` names (see the module docstring)."""
    path = Path(path)
    if path.is_absolute():
        if not path.exists():
            raise MissingResource(f"{path} does not exist")
        return path
    candidates = [root / path for root in roots()]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise MissingResource(f"{path} not found; looked in " + ", ".join(str(c) for c in candidates))
