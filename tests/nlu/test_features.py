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


def test_kept_word_counts_give_the_same_vector_in_the_same_order() -> None:
    """A word's n-gram counts are kept between messages (char_wb): the vector, and the order
    of its entries (which a float sum depends on), are those of counting the text's n-grams."""
    from collections import Counter

    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5))
    vec.fit(DOCS)
    ours = TfidfFeatures([vec])
    (part,) = ours._parts
    texts = ["pagar  pagar sexta?", "Vou PAGAR na sexta", "sexta", "", "  ", "oi oi oi"]
    first = [ours.transform(text) for text in texts]
    for text, (idx, val) in zip(texts, first, strict=True):
        counted = Counter(part.vocabulary[t] for t in part.ngrams(text) if t in part.vocabulary)
        assert list(part.counts(text).items()) == list(counted.items())
        again_idx, again_val = ours.transform(text)  # from the kept counts now
        assert np.array_equal(again_idx, idx)
        assert np.array_equal(again_val, val)
    assert "pagar" in part._words
