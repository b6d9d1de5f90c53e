"""Intent classifier: TF-IDF word and character n-grams into a calibrated linear SVM.

Trained with scikit-learn; predictions use the learned weights directly (one gather and one
dot product) so a parse takes a fraction of a millisecond.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bot.nlu.features import TfidfFeatures

FOLDS = 5


class SklearnIntentClassifier:
    """Ranks intents for a normalised text; probabilities sum to one."""

    def __init__(
        self,
        features: TfidfFeatures,
        labels: Sequence[str],
        weights: npt.NDArray[np.float64],
        intercepts: npt.NDArray[np.float64],
        sigmoid_a: npt.NDArray[np.float64],
        sigmoid_b: npt.NDArray[np.float64],
    ) -> None:
        self._features = features
        self._labels = list(labels)
        self._weights = weights  # (n_features, folds * n_classes)
        self._intercepts = intercepts  # (folds * n_classes,)
        self._a = sigmoid_a
        self._b = sigmoid_b

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    @classmethod
    def train(cls, texts: Sequence[str], intents: Sequence[str]) -> SklearnIntentClassifier:
        """Fit on already normalised texts."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion
        from sklearn.svm import LinearSVC

        words = TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            sublinear_tf=True,
            token_pattern=r"(?u)\b\w+\b|[?!]",
        )
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        union = FeatureUnion([("words", words), ("chars", chars)])
        matrix = union.fit_transform(list(texts))
        model = CalibratedClassifierCV(
            LinearSVC(C=0.7, class_weight="balanced"), cv=FOLDS, method="sigmoid"
        )
        model.fit(matrix, list(intents))
        coefs, intercepts, a_s, b_s = [], [], [], []
        for calibrated in model.calibrated_classifiers_:
            svm = calibrated.estimator
            coefs.append(svm.coef_)
            intercepts.append(svm.intercept_)
            a_s.append([c.a_ for c in calibrated.calibrators])
            b_s.append([c.b_ for c in calibrated.calibrators])
        return cls(
            TfidfFeatures([words, chars]),
            [str(c) for c in model.classes_],
            np.ascontiguousarray(np.vstack(coefs).T),
            np.concatenate(intercepts),
            np.asarray(a_s, dtype=np.float64).ravel(),
            np.asarray(b_s, dtype=np.float64).ravel(),
        )

    def known_words(self, normalized: str) -> int:
        """How many words of the text were seen in training (0 for keyboard mashing)."""
        return self._features.known_words(normalized)

    def probabilities(self, normalized: str) -> npt.NDArray[np.float64]:
        """Class probabilities (the calibrated folds' average), in ``labels`` order."""
        idx, val = self._features.transform(normalized)
        scores = self._intercepts + (val @ self._weights[idx] if len(idx) else 0.0)
        probs = 1.0 / (1.0 + np.exp(np.clip(self._a * scores + self._b, -500, 500)))
        per_fold = probs.reshape(-1, len(self._labels))
        sums = per_fold.sum(axis=1, keepdims=True)
        uniform = np.full_like(per_fold, 1.0 / len(self._labels))
        per_fold = np.where(sums > 0, per_fold / np.where(sums > 0, sums, 1.0), uniform)
        result: npt.NDArray[np.float64] = per_fold.mean(axis=0)
        return result

    def rank(self, normalized: str, *, top: int = 10) -> list[tuple[str, float]]:
        """The ``top`` intents with their probabilities, best first."""
        probs = self.probabilities(normalized)
        order = probs.argsort()[::-1][:top]
        return [(self._labels[i], float(probs[i])) for i in order]
