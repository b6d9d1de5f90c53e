"""Our single-text TF-IDF equals scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest

from bot.nlu.features import TfidfFeatures

DOCS = ["vou pagar 0 na sexta", "nao tenho dinheiro", "i will pay tomorrow ok", "oi", "a b c"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"analyzer": "word", "ngram_range": (1, 2), "token_pattern": r"(?u)\b\w+\b|[?!]"},
        {"analyzer": "char_wb", "ngram_range": (2, 5)},
        {"analyzer": "char_wb", "ngram_range": (1, 4)},
    ],
)
def test_same_as_sklearn(kwargs: dict[str, object]) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(sublinear_tf=True, **kwargs)  # type: ignore[arg-type]
    vec.fit(DOCS)
    ours = TfidfFeatures([vec])
    for text in [*DOCS, "pagar pagar sexta?", "zzz", ""]:
        expected = vec.transform([text]).toarray()[0]
        got = np.zeros(ours.size)
        idx, val = ours.transform(text)
        got[idx] = val
        assert np.allclose(got, expected)
