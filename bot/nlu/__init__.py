"""NLU: text -> Parse. The rest of the app only calls :func:`build_interpreter`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.parse import Interpreter
    from bot.nlu.embedded import EmbeddedInterpreter


def build_embedded(settings: Settings, *, force_train: bool = False) -> EmbeddedInterpreter:
    """The in-process interpreter: the cached model, retrained when the data changed."""
    from bot.nlu.embedded import EmbeddedInterpreter
    from bot.nlu.model import load_or_train

    model = load_or_train(
        Path(settings.nlu.data_dir), Path(settings.nlu.model_path), force=force_train
    )
    return EmbeddedInterpreter(
        model,
        timezone=settings.business.timezone,
        default_language=settings.business.default_language,
    )


def build_interpreter(settings: Settings) -> Interpreter:
    """The interpreter ``settings.nlu.backend`` names: ``embedded`` (default) or ``rasa``."""
    backend = settings.nlu.backend
    if backend == "embedded":
        return build_embedded(settings)
    if backend == "rasa":
        from bot.nlu.rasa import RasaInterpreter

        if not settings.nlu.rasa_url:
            raise ValueError("nlu.backend is 'rasa' but nlu.rasa_url is not set")
        return RasaInterpreter(
            settings.nlu.rasa_url,
            timeout=settings.nlu.rasa_timeout_seconds,
            timezone=settings.business.timezone,
            default_language=settings.business.default_language,
        )
    raise ValueError(f"unknown nlu.backend {backend!r}")
