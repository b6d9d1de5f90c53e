"""The response texts' compiled code kept between runs (bot.dialogue.compiled_cache)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from bot.dialogue import compiled_cache
from bot.dialogue.actions import Reply
from bot.dialogue.responses import ResponseBook
from bot.resources import resource_path
from bot.runtime.service import cache_responses, load_responses

DIALOGUES = resource_path("dialogues")
BUSINESS = {"name": "Loja Exemplo", "agent_hours": "seg a sex", "store_hours": {}}


def fresh_book() -> ResponseBook:
    return ResponseBook.load(DIALOGUES)


@pytest.fixture(scope="module")
def cached(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cache") / "responses.cache"
    compiled_cache.save(fresh_book(), path)
    return path


def test_a_book_takes_every_texts_code_from_a_matching_file(cached: Path) -> None:
    book = ResponseBook.load(DIALOGUES, check=False)
    assert compiled_cache.load_cached(book, cached) is True
    assert set(book.codes) == set(book.keys())
    assert len(book.codes) > 400
    # the same code a compile gives, so the same texts
    reference = fresh_book()
    for key in list(book.keys())[::37]:
        assert book.codes[key] == reference._code(*key), key


def test_texts_rendered_from_cached_code_read_as_compiled_ones(cached: Path) -> None:
    book = ResponseBook.load(DIALOGUES, check=False)
    assert compiled_cache.load_cached(book, cached)
    reference = fresh_book()
    reply = Reply(response="opt_out", vars={"first_name": "Ana"})
    for language in ("pt", "en"):
        for seed in range(3):
            ours = book.render(reply, language, seed=seed, business=BUSINESS)
            theirs = reference.render(reply, language, seed=seed, business=BUSINESS)
            assert ours == theirs
            assert ours


def test_a_changed_text_does_not_take_stale_code(cached: Path, tmp_path: Path) -> None:
    folder = tmp_path / "dialogues"
    shutil.copytree(DIALOGUES, folder)
    pt = folder / "responses" / "pt.yml"
    pt.write_text(pt.read_text(encoding="utf-8") + "\nextra_text: 'Olá!'\n", encoding="utf-8")
    book = ResponseBook.load(folder, check=False)
    assert compiled_cache.load_cached(book, cached) is False
    assert book.codes == {}


def test_an_unreadable_file_is_only_slower(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "responses.cache"
    broken.write_bytes(b"\x00not marshal at all")
    book = ResponseBook.load(DIALOGUES, check=False)
    with caplog.at_level(logging.WARNING):
        assert compiled_cache.load_cached(book, broken) is False
    assert compiled_cache.load_cached(book, tmp_path / "missing.cache") is False
    assert book.codes == {}


def test_a_folder_that_cannot_be_written_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    book = ResponseBook.load(DIALOGUES, check=False)
    with caplog.at_level(logging.WARNING):
        compiled_cache.save(book, blocker / "responses.cache")  # its folder is a file
    assert any(r.getMessage() == "responses.cache_not_written" for r in caplog.records)
    assert book.codes == {}


def test_a_broken_text_still_stops_loading_when_no_cache_vouches_for_it(tmp_path: Path) -> None:
    folder = tmp_path / "dialogues"
    shutil.copytree(DIALOGUES, folder)
    pt = folder / "responses" / "pt.yml"
    pt.write_text(
        pt.read_text(encoding="utf-8") + "\nextra_text: '{{ x|no_such_filter }}'\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="no_such_filter"):
        load_responses(folder, tmp_path / "responses.cache")


def test_load_responses_keeps_and_then_uses_the_cache(tmp_path: Path) -> None:
    folder = tmp_path / "dialogues"
    shutil.copytree(DIALOGUES, folder)  # a folder of its own: load_responses keeps one book
    cache = tmp_path / "responses.cache"
    first = load_responses(folder, cache)
    assert first.codes == {}
    cache_responses(first, cache)
    assert cache.exists()
    assert set(first.codes) == set(first.keys())
    book = ResponseBook.load(folder, check=False)
    assert compiled_cache.load_cached(book, cache)
