"""Language detection (pt/en): a character n-gram naive Bayes trained on the NLU data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.nlu.normalize import for_classifier

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

MIN_CONFIDENCE = 0.7


class NaiveBayesLanguageDetector:
    """Guesses pt or en; returns the fallback when the text gives no clear signal."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline
        self._labels: list[str] = [str(c) for c in pipeline.classes_]

    @classmethod
    def train(cls, texts: Sequence[str], languages: Sequence[str]) -> NaiveBayesLanguageDetector:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.naive_bayes import MultinomialNB
        from sklearn.pipeline import Pipeline

        pipeline = Pipeline(
            [
                (
                    "chars",
                    TfidfVectorizer(
                        analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=1
                    ),
                ),
                ("nb", MultinomialNB(alpha=0.05)),
            ]
        )
        pipeline.fit([for_classifier(t) for t in texts], list(languages))
        return cls(pipeline)

    def detect(self, normalized: str, *, fallback: str) -> tuple[str, float]:
        """(language, probability) of an already normalised text."""
        if not any(c.isalpha() for c in normalized.replace("emoji", "")):
            return fallback, 0.0
        probs = self._pipeline.predict_proba([normalized])[0]
        best = int(probs.argmax())
        if probs[best] < MIN_CONFIDENCE:
            return fallback, float(probs[best])
        return self._labels[best], float(probs[best])
