"""ConversationState is stored as JSON: round trips, tolerant of unknown/missing keys."""

from __future__ import annotations

import json
from datetime import date

from dialogue_helpers import FakeOffers

from bot.dialogue.state import ConversationState, plan_from_dict, plan_to_dict


def test_plan_round_trip() -> None:
    for plan in FakeOffers().plans:
        data = json.loads(json.dumps(plan_to_dict(plan)))
        assert plan_from_dict(data) == plan
        assert data["payments"][0]["due"] == date(2026, 11, 26).isoformat()


def test_state_round_trip_through_json() -> None:
    plans = tuple(FakeOffers().plans[:2])
    state = ConversationState(
        phase="confirming_plan",
        verified=True,
        language="en",
        not_understood_streak=1,
        insult_count=1,
        offers_page=1,
        offers_shown=("full_no_fees", "three_x"),
        on_screen=plans,
        pending_plan=plans[1],
        last_reminder="overdue",
        opted_out=True,
        extra={"promise_amount": "100.00"},
    )
    text = json.dumps(state.to_dict())
    assert ConversationState.from_dict(json.loads(text)) == state


def test_unknown_and_missing_keys_are_tolerated() -> None:
    state = ConversationState.from_dict({"phase": "open", "future_field": 1})
    assert state == ConversationState(phase="open")
    assert ConversationState.from_dict({}) == ConversationState()
    assert ConversationState.from_dict(None) == ConversationState()
    assert ConversationState.from_dict({"phase": "no_such_phase"}).phase == "new"
