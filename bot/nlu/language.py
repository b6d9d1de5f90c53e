"""Language detection (pt/en): a character n-gram naive Bayes trained on the NLU data."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bot.nlu.features import TfidfFeatures
from bot.nlu.normalize import for_classifier

MIN_CONFIDENCE = 0.7
# Words that say nothing about the language: emoji names, laughter, "ok", bare numbers.
# One-word answers too short for character statistics (after normalisation: "nope" -> "no").
_SHORT = {
    **dict.fromkeys(("no", "yes", "no thanks", "no thank you", "sure", "hi", "hey"), "en"),
    **dict.fromkeys(("nao", "sim", "nao obrigado", "nao obrigada", "oi", "opa"), "pt"),
    # short answers after a language switch mid-conversation (issue 11)
    **dict.fromkeys(
        ("you", "thanks", "thank you", "speaking", "sure thing", "got it", "alright", "bye"),
        "en",
    ),
    # English chat words too short for character statistics ("nahh" -> "nah", "lmao" -> "lol")
    **dict.fromkeys(
        ("nah", "yep", "yup", "yeah", "lol", "ok bye", "bye bye", "okay", "nope thanks"),
        "en",
    ),
    **dict.fromkeys(
        (
            "beleza",
            "valeu",
            "obrigado",
            "obrigada",
            "isso",
            "certo",
            "claro",
            "esta bom",
            "sou eu",
            "e eu",
            "tchau",
            "falou",
            "entendi",
        ),
        "pt",
    ),
}
_NEUTRAL = re.compile(r"\b(?:emoji\w*|risos|ok|0)\b")


class NaiveBayesLanguageDetector:
    """Guesses pt or en; returns the fallback when the text gives no clear signal."""

    def __init__(
        self,
        features: TfidfFeatures,
        labels: Sequence[str],
        log_probs: npt.NDArray[np.float64],
        log_prior: npt.NDArray[np.float64],
    ) -> None:
        self._features = features
        self._labels = list(labels)
        self._log_probs = log_probs  # (n_features, n_labels)
        self._log_prior = log_prior

    @classmethod
    def train(cls, texts: Sequence[str], languages: Sequence[str]) -> NaiveBayesLanguageDetector:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.naive_bayes import MultinomialNB

        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True)
        matrix = vec.fit_transform([for_classifier(t) for t in texts])
        nb = MultinomialNB(alpha=0.05).fit(matrix, list(languages))
        return cls(
            TfidfFeatures([vec]),
            [str(c) for c in nb.classes_],
            np.ascontiguousarray(nb.feature_log_prob_.T),
            nb.class_log_prior_.copy(),
        )

    def detect(self, normalized: str, *, fallback: str) -> tuple[str, float]:
        """(language, probability) of an already normalised text."""
        short = _SHORT.get(normalized.replace("?", "").replace("!", "").strip())
        if short is not None:
            return short, 0.9
        normalized = _NEUTRAL.sub(" ", normalized)
        if not any(c.isalpha() for c in normalized):
            return fallback, 0.0
        idx, val = self._features.transform(normalized)
        if not len(idx):
            return fallback, 0.0
        joint = self._log_prior + val @ self._log_probs[idx]
        probs = np.exp(joint - joint.max())
        probs /= probs.sum()
        best = int(probs.argmax())
        if probs[best] < MIN_CONFIDENCE:
            return fallback, float(probs[best])
        return self._labels[best], float(probs[best])
