"""Fast single-text TF-IDF features from fitted scikit-learn vectorizers.

scikit-learn's per-call overhead (validation, sparse matrices) is milliseconds per message
and importing it takes seconds; this keeps only what the fitted vectorizers learned
(analyzer settings, vocabulary, idf) and computes the same l2-normalised TF-IDF vector in
plain Python, so loading a cached model does not import scikit-learn at all.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

_WHITE = re.compile(r"\s\s+")
_WORDS_KEPT = 50_000  # words whose n-gram counts are kept (a few MB at most)


@dataclass
class _Part:
    analyzer: str  # "word" | "char_wb"
    ngram_range: tuple[int, int]
    token_pattern: str | None
    vocabulary: dict[str, int]
    idf: list[float]
    sublinear: bool
    offset: int

    def __post_init__(self) -> None:
        self._token = re.compile(self.token_pattern) if self.token_pattern else None
        # a word's character n-grams in the vocabulary, counted (char_wb): words repeat
        # across messages ("pagar", "sexta", "pix"), and building their n-grams was most
        # of the features' time
        self._words: dict[str, Counter[int]] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_token", None)
        state.pop("_words", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    def ngrams(self, text: str) -> list[str]:
        text = text.lower()
        low, high = self.ngram_range
        if self.analyzer == "word":
            assert self._token is not None
            tokens = self._token.findall(text)
            grams = list(tokens) if low == 1 else []
            for n in range(max(low, 2), high + 1):
                grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
            return grams
        grams = []
        for word in _WHITE.sub(" ", text).split():
            grams.extend(self._word_grams(word))
        return grams

    def _word_grams(self, word: str) -> list[str]:
        low, high = self.ngram_range
        w = " " + word + " "
        grams: list[str] = []
        for n in range(low, high + 1):
            if len(w) <= n:
                grams.append(w)
                break
            grams.extend(w[i : i + n] for i in range(len(w) - n + 1))
        return grams

    def counts(self, text: str) -> Counter[int]:
        """Vocabulary index -> count of the text's n-grams, in order of first occurrence
        (as counting ``ngrams(text)`` would give them)."""
        vocab = self.vocabulary
        if self.analyzer == "word":
            return Counter(vocab[t] for t in self.ngrams(text) if t in vocab)
        counts: Counter[int] = Counter()
        words = self._words
        for word in _WHITE.sub(" ", text.lower()).split():
            known = words.get(word)
            if known is None:
                known = Counter(vocab[g] for g in self._word_grams(word) if g in vocab)
                if len(words) < _WORDS_KEPT:
                    words[word] = known
            counts.update(known)
        return counts


class TfidfFeatures:
    """The concatenation of several fitted ``TfidfVectorizer`` outputs (like FeatureUnion)."""

    def __init__(self, vectorizers: Sequence[Any]) -> None:
        self._parts: list[_Part] = []
        offset = 0
        for vec in vectorizers:
            if vec.analyzer not in ("word", "char_wb") or vec.strip_accents or not vec.lowercase:
                raise ValueError("only lowercase word/char_wb vectorizers are supported")
            self._parts.append(
                _Part(
                    analyzer=vec.analyzer,
                    ngram_range=tuple(vec.ngram_range),
                    token_pattern=vec.token_pattern if vec.analyzer == "word" else None,
                    vocabulary={str(k): int(v) for k, v in vec.vocabulary_.items()},
                    idf=[float(x) for x in vec.idf_],
                    sublinear=bool(vec.sublinear_tf),
                    offset=offset,
                )
            )
            offset += len(vec.vocabulary_)
        self.size = offset

    def known_words(self, text: str) -> int:
        """How many of the text's word tokens the word vectorizers learned."""
        known = 0
        for part in self._parts:
            if part.analyzer == "word" and part._token is not None:
                known += sum(1 for t in part._token.findall(text.lower()) if t in part.vocabulary)
        return known

    def transform(self, text: str) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        """(feature indices, values) of one text."""
        indices: list[int] = []
        values: list[float] = []
        for part in self._parts:
            counts = part.counts(text)
            if not counts:
                continue
            part_idx = list(counts)
            part_val = [
                (1.0 + math.log(c) if part.sublinear else float(c)) * part.idf[i]
                for c, i in zip(counts.values(), part_idx, strict=True)
            ]
            norm = math.sqrt(sum(v * v for v in part_val)) or 1.0
            indices.extend(part.offset + i for i in part_idx)
            values.extend(v / norm for v in part_val)
        return np.asarray(indices, dtype=np.intp), np.asarray(values, dtype=np.float64)
