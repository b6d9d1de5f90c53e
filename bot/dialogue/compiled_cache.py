"""The response texts' compiled code, kept on disk between runs.

Compiling the ~440 texts costs seconds of CPU (Jinja's code generation, then Python's
``compile``); a process compiled each text at its first use, so its first minutes of traffic
paid for them, and loading checked every text again at each start. The code of a whole book
is kept in one file (``marshal``, as Python keeps its own ``.pyc``), under the book's
fingerprint (its texts, Jinja's and Python's versions): a book whose file matches needs
neither the check nor a compile. A missing, stale or unreadable file is only slower; the
file is ours (like the NLU model beside it), written atomically.
"""

from __future__ import annotations

import logging
import marshal
import os
import tempfile
from pathlib import Path
from types import CodeType
from typing import Any

from bot.dialogue.responses import ResponseBook, TextKey

log = logging.getLogger(__name__)

FORMAT = 1


def load_cached(book: ResponseBook, path: Path) -> bool:
    """Give ``book`` its compiled code from ``path``; False when the file does not match."""
    try:
        data: Any = marshal.loads(path.read_bytes())
    except FileNotFoundError:
        return False
    except (OSError, EOFError, ValueError, TypeError) as exc:
        log.warning("responses.cache_unreadable", extra={"path": str(path), "error": str(exc)})
        return False
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return False
    if data.get("fingerprint") != book.fingerprint():
        return False
    codes: dict[TextKey, CodeType] = {}
    for (lang, name, index), code in data.get("codes", {}).items():
        if isinstance(code, CodeType):
            codes[(str(lang), str(name), int(index))] = code
    if set(codes) != set(book.keys()):
        return False
    book.codes = codes
    return True


def save(book: ResponseBook, path: Path) -> None:
    """Compile every text of ``book`` (which must have passed ``check_all``) and keep the
    code at ``path``. A folder we cannot write to is logged, not raised: the cache only
    saves time."""
    codes = book.compiled_codes()
    data = {"format": FORMAT, "fingerprint": book.fingerprint(), "codes": codes}
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".responses-", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            marshal.dump(data, fh)
        os.replace(tmp, path)  # readers see the old file or the new one, never half
    except OSError as exc:
        log.warning("responses.cache_not_written", extra={"path": str(path), "error": str(exc)})
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        return
    book.codes = codes
