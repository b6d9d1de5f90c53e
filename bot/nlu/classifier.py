"""Intent classifier: TF-IDF word and character n-grams into a calibrated linear SVM."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline


class SklearnIntentClassifier:
    """Ranks intents for a normalised text; probabilities sum to one."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline
        self._labels: list[str] = [str(c) for c in pipeline.classes_]

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    @classmethod
    def train(cls, texts: Sequence[str], intents: Sequence[str]) -> SklearnIntentClassifier:
        """Fit on already normalised texts."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion, Pipeline
        from sklearn.svm import LinearSVC

        features = FeatureUnion(
            [
                (
                    "words",
                    TfidfVectorizer(
                        analyzer="word",
                        ngram_range=(1, 2),
                        sublinear_tf=True,
                        token_pattern=r"(?u)\b\w+\b|[?!]",
                    ),
                ),
                (
                    "chars",
                    TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                ),
            ]
        )
        svm = LinearSVC(C=0.7, class_weight="balanced")
        model = CalibratedClassifierCV(svm, cv=5, method="sigmoid")
        pipeline = Pipeline([("features", features), ("clf", model)])
        pipeline.fit(list(texts), list(intents))
        return cls(pipeline)

    def rank(self, normalized: str, *, top: int = 10) -> list[tuple[str, float]]:
        """The ``top`` intents with their probabilities, best first."""
        probs = self._pipeline.predict_proba([normalized])[0]
        order = probs.argsort()[::-1][:top]
        return [(self._labels[i], float(probs[i])) for i in order]
