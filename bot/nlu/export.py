"""``quita nlu export-rasa DIR``: a Rasa 3 project that ``rasa train nlu`` accepts."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.core.parse import ENTITY_NAMES, INTENTS
from bot.nlu.data import load_training_data

CONFIG = """\
# Rasa 3.6 NLU pipeline for Brazilian Portuguese (and English) chat messages.
# Written by `quita nlu export-rasa`; train with `rasa train nlu`. No spaCy or other models to
# download. Rasa only classifies the intent: Quita's own extractors resolve dates, amounts,
# installments, options and payment methods, so DIET's entity recognition is off.
# No FallbackClassifier: below the threshold Quita still wants the best real intent (its
# dialogue decides what a low confidence means), not Rasa's `nlu_fallback`.
recipe: default.v1
assistant_id: quita
language: pt
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    constrain_similarities: true
    entity_recognition: false
    random_seed: 42
  - name: EntitySynonymMapper
policies: []
"""


def export_rasa(data_dir: Path, target: Path) -> list[Path]:
    """Write ``config.yml``, ``domain.yml`` and ``data/nlu.yml`` under ``target``."""
    examples = load_training_data(data_dir)
    by_intent: dict[str, list[str]] = {}
    for example in examples:
        by_intent.setdefault(example.intent, []).append(example.text)
    (target / "data").mkdir(parents=True, exist_ok=True)
    config = target / "config.yml"
    config.write_text(CONFIG, encoding="utf-8")
    domain = target / "domain.yml"
    domain.write_text(
        yaml.safe_dump(
            {"version": "3.1", "intents": list(INTENTS), "entities": list(ENTITY_NAMES)},
            allow_unicode=True,
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    blocks = []
    for intent in INTENTS:
        texts = [t for t in dict.fromkeys(_escape(t) for t in by_intent.get(intent, [])) if t]
        if texts:
            body = "".join(f"- {t}\n" for t in texts)
            blocks.append(f"- intent: {intent}\n  examples: |\n" + _indent(body, 4))
    nlu = target / "data" / "nlu.yml"
    nlu.write_text('version: "3.1"\nnlu:\n' + "".join(blocks), encoding="utf-8")
    return [config, domain, nlu]


# Rasa reads "[text](entity)", "[text]{...}" and "[text][...]" in an example as an entity
# annotation; ours carry none, so a bracket followed by one of those gets a space.
_ANNOTATION = re.compile(r"\]([(\[{])")


def _escape(text: str) -> str:
    return _ANNOTATION.sub(r"] \1", " ".join(text.split()))


def _indent(body: str, spaces: int) -> str:
    pad = " " * spaces
    return "".join(pad + line + "\n" for line in body.splitlines())
