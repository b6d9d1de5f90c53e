"""JSON columns go through orjson but keep the standard library's behaviour: what it stored
is stored the same way, what it refused is refused, and nothing orjson declines is lost."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.store.db import make_engine, make_sessionmaker, transaction, upgrade
from bot.store.json_columns import dump_json, load_json
from bot.store.tables import Contact, Conversation

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_json_values)
def test_what_json_reads_back_is_what_the_standard_library_reads(value: Any) -> None:
    assert json.loads(dump_json(value)) == json.loads(json.dumps(value))
    assert load_json(json.dumps(value)) == json.loads(json.dumps(value))


def test_integer_keys_become_strings_as_json_dumps_makes_them() -> None:
    assert load_json(dump_json({1: "a"})) == {"1": "a"}


def test_what_orjson_declines_goes_to_the_standard_library() -> None:
    lone = "\ud83d"  # half an emoji, as a channel's JSON escape can carry
    assert load_json(dump_json({"text": lone})) == {"text": lone}
    assert json.loads(dump_json(10**30)) == 10**30  # written whole (read back as a float)


def test_nan_and_infinities_become_null_which_every_database_takes() -> None:
    # json.dumps wrote NaN and Infinity, which are not JSON: PostgreSQL refused the row
    assert dump_json([float("nan"), float("inf")]) == "[null,null]"


@dataclass
class _Plan:
    months: int


@pytest.mark.parametrize("value", [datetime(2026, 12, 5, tzinfo=UTC), Decimal("1.50"), _Plan(3)])
def test_what_the_standard_library_refused_is_still_refused(value: object) -> None:
    with pytest.raises(TypeError):
        dump_json({"value": value})


def test_a_json_column_round_trips_through_the_database(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    db = make_sessionmaker(make_engine(sqlite_url))
    now = datetime(2026, 12, 5, 12, tzinfo=UTC)
    state = {"flow": "promise", "note": "ação ✓", "n": [1, 2.5, None, True]}
    with transaction(db) as session:
        contact = Contact(channel="whatsapp", address="+5511900000000", created_at=now)
        session.add(contact)
        session.flush()
        session.add(
            Conversation(
                contact_id=contact.id,
                channel="whatsapp",
                state=state,
                created_at=now,
                updated_at=now,
            )
        )
    with transaction(db) as session:
        assert session.scalar(select(Conversation.state)) == state
