"""The figures the issue asks for, on the held-out set and the public sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.embedded import EmbeddedInterpreter
from bot.nlu.evaluate import evaluate, load_cases

HELDOUT = Path(__file__).with_name("heldout.yml")
PUBLIC = Path("/work/shared/eval/nlu_sample.yml")


def test_heldout_has_enough_examples() -> None:
    cases, _ = load_cases(HELDOUT)
    assert len(cases) >= 300
    assert {c.language for c in cases} == {"pt", "en"}
    assert len({c.intent for c in cases}) == 20


def test_heldout_accuracy(interpreter: EmbeddedInterpreter) -> None:
    cases, now = load_cases(HELDOUT)
    assert now is not None
    report = evaluate(interpreter, cases, now)
    assert report["accuracy"] >= 0.93, report["errors"]
    assert report["rates"]["date"] >= 0.95, report["errors"]
    assert report["rates"]["amount"] >= 0.95, report["errors"]


@pytest.mark.skipif(not PUBLIC.exists(), reason="shared eval sample not present")
def test_public_sample(interpreter: EmbeddedInterpreter) -> None:
    cases, now = load_cases(PUBLIC)
    assert now is not None
    report = evaluate(interpreter, cases, now)
    assert report["accuracy"] >= 0.95, report["errors"]
