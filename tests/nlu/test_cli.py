"""The ``quita nlu parse`` contract, through the registered argparse handlers."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from bot.commands.nlu import register

ROOT = Path(__file__).resolve().parents[2]


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return int(args.handler(args))


@pytest.fixture
def config(tmp_path: Path, model_file: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(model_file, tmp_path / "model.pkl")
    path = tmp_path / "config.yml"
    path.write_text(
        f"nlu:\n  data_dir: {ROOT / 'nlu_data'}\n  model_path: {tmp_path / 'model.pkl'}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("QUITA_CONFIG", str(path))
    return path


def test_parse_contract(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("vou pagar 100 na sexta\nopção 2\n\n"))
    assert run(["nlu", "parse", "--now", "2026-11-23T10:00:00-03:00"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    first = json.loads(lines[0])
    # the design's fields, plus the additive "clauses"
    assert set(first) == {"text", "language", "intent", "intent_ranking", "entities", "clauses"}
    assert first["text"] == "vou pagar 100 na sexta"
    assert first["language"] == "pt"
    assert first["intent"]["name"] == "promise_to_pay"
    assert 0 <= first["intent"]["confidence"] <= 1
    assert first["intent_ranking"][0]["name"] == "promise_to_pay"
    assert first["entities"] == [
        {"entity": "amount", "value": "100.00", "start": 10, "end": 13, "text": "100"},
        {"entity": "date", "value": "2026-11-27", "start": 17, "end": 22, "text": "sexta"},
    ]
    assert json.loads(lines[1])["entities"][0]["value"] == 2
    assert "ç" in lines[1]  # ensure_ascii=False


def test_export_rasa(config: Path, tmp_path: Path) -> None:
    import yaml

    assert run(["nlu", "export-rasa", str(tmp_path / "rasa")]) == 0
    nlu = yaml.safe_load((tmp_path / "rasa/data/nlu.yml").read_text(encoding="utf-8"))
    assert len(nlu["nlu"]) == 20
    assert yaml.safe_load((tmp_path / "rasa/config.yml").read_text())["language"] == "pt"
    assert "intents" in yaml.safe_load((tmp_path / "rasa/domain.yml").read_text())


def test_nlu_test_command(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    heldout = Path(__file__).with_name("heldout.yml")
    assert run(["nlu", "test", str(heldout)]) == 0
    out = capsys.readouterr().out
    assert "intent accuracy" in out
    assert "macro-F1" in out
