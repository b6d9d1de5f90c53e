"""The routing table is data: loaded, checked, and actually used by the engine."""

from __future__ import annotations

import pytest
from dialogue_helpers import ROOT, make_ctx, replies, user

from bot.dialogue.engine import HANDLERS, decide
from bot.dialogue.flows import FlowError, load_flows, parse_flows
from bot.dialogue.state import ConversationState


def test_project_flows_load_and_name_known_handlers() -> None:
    flows = load_flows(ROOT / "dialogues" / "flows.yml", handlers=HANDLERS)
    assert flows.route("open", "opt_out") == "opt_out"
    assert flows.route("with_agent", "greet") == "stay_silent"
    assert flows.route("offers_presented", "not_understood", ["option"]) == "choose_option"
    assert flows.route("awaiting_promise_date", "promise_to_pay", ["date"]) == "promise_to_pay"
    # a strong intent is not captured by an entity route
    assert flows.route("awaiting_promise_date", "callback_later", ["date"]) == "callback_later"
    assert flows.route("open", "not_understood") == "not_understood"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"phases": {"nowhere": {}}}, "unknown phase"),
        ({"default": {"fly": "greet"}}, "unknown intent"),
        ({"default": {"greet": "wave"}}, "unknown handlers"),
        ({"phases": {"open": {"entity:colour": "greet"}}}, "unknown intent or key"),
        ({"surprise": 1}, "unknown keys"),
    ],
)
def test_bad_flows_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(FlowError, match=message):
        parse_flows(data, handlers=HANDLERS)


def test_a_company_can_reroute_without_code() -> None:
    flows = parse_flows(
        {"always": {"opt_out": "opt_out"}, "default": {"greet": "request_human"}},
        handlers=HANDLERS,
    )
    decision = decide(ConversationState(phase="open"), user("greet"), make_ctx(), flows=flows)
    assert "handoff_human" in replies(decision)
