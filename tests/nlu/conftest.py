"""Shared fixtures: one trained model per test session."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from bot.nlu.embedded import EmbeddedInterpreter
from bot.nlu.model import NluModel, save_model, train_model

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "nlu_data"
HELDOUT = Path(__file__).with_name("heldout.yml")
NOW = datetime.fromisoformat("2026-11-23T10:00:00-03:00")  # a Monday
TODAY = date(2026, 11, 23)


@pytest.fixture(scope="session")
def model() -> NluModel:
    return train_model(DATA_DIR)


@pytest.fixture(scope="session")
def model_file(model: NluModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nlu") / "nlu-model.pkl"
    save_model(model, path)
    return path


@pytest.fixture(scope="session")
def interpreter(model: NluModel) -> EmbeddedInterpreter:
    return EmbeddedInterpreter(model, timezone="America/Sao_Paulo", default_language="pt")
