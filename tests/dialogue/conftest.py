"""Fixtures for dialogue tests (builders live in ``dialogue_helpers``)."""

from __future__ import annotations

from typing import Any

import pytest
from dialogue_helpers import ROOT, Conversation, make_ctx

from bot.dialogue.responses import ResponseBook


@pytest.fixture(scope="session")
def book() -> ResponseBook:
    return ResponseBook.load(ROOT / "dialogues", strict=True)


@pytest.fixture
def convo(book: ResponseBook) -> Any:
    def start(**ctx_kwargs: Any) -> Conversation:
        return Conversation(make_ctx(**ctx_kwargs), book)

    return start
