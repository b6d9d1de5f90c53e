"""The trained embedded model: training, the on-disk cache, and retraining when data changes."""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bot.nlu.classifier import SklearnIntentClassifier
from bot.nlu.data import data_hash, load_training_data
from bot.nlu.language import NaiveBayesLanguageDetector
from bot.nlu.normalize import for_classifier

log = logging.getLogger(__name__)

MODEL_VERSION = "quita-nlu-3"


class NoTrainingData(RuntimeError):
    """The data directory holds no examples to learn from."""


@dataclass
class NluModel:
    """Everything the embedded interpreter needs, as one picklable object."""

    classifier: SklearnIntentClassifier
    language: NaiveBayesLanguageDetector
    data_hash: str
    train_seconds: float
    examples: int


def _salt() -> str:
    # The cached model holds only plain Python and numpy data, not scikit-learn objects.
    # What the model learned depends on the code that normalises and featurises its input,
    # so a change there retrains it too.
    import hashlib

    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in ("normalize.py", "features.py", "classifier.py", "language.py"):
        digest.update((here / name).read_bytes())
    return f"{MODEL_VERSION}:{digest.hexdigest()[:16]}"


def train_model(data_dir: Path) -> NluModel:
    """Train the intent classifier and the language detector on ``data_dir``."""
    started = time.perf_counter()
    examples = load_training_data(data_dir)
    if not examples:
        raise NoTrainingData(f"no NLU examples under {data_dir}/<language>/*.yml")
    normalized = [for_classifier(e.text) for e in examples]
    classifier = SklearnIntentClassifier.train(normalized, [e.intent for e in examples])
    language = NaiveBayesLanguageDetector.train(
        [e.text for e in examples], [e.language for e in examples]
    )
    return NluModel(
        classifier=classifier,
        language=language,
        data_hash=data_hash(data_dir, salt=_salt()),
        train_seconds=time.perf_counter() - started,
        examples=len(examples),
    )


def save_model(model: NluModel, path: Path) -> None:
    """Write atomically, so a concurrent reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".nlu-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_cached(path: Path) -> NluModel | None:
    """The cached model, or None when missing or unreadable (it is our own file)."""
    try:
        with path.open("rb") as fh:
            model = pickle.load(fh)  # noqa: S301 - written by save_model in our own dir
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return model if isinstance(model, NluModel) else None


def load_or_train(data_dir: Path, model_path: Path, *, force: bool = False) -> NluModel:
    """The cached model when its data hash matches, otherwise a fresh one (then cached)."""
    current = data_hash(data_dir, salt=_salt())
    if not force:
        cached = load_cached(model_path)
        if cached is not None and cached.data_hash == current:
            return cached
    log.info("training the NLU model from %s", data_dir)
    model = train_model(data_dir)
    try:
        save_model(model, model_path)
    except OSError as exc:
        log.warning("could not cache the NLU model at %s: %s", model_path, exc)
    return model
