"""``quita test conversations``: debtor turns and not-understood turns are counted per script."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.testing.scripts import is_not_understood, run_script

DEBTOR = """
debtor:
  name: Maria Souza
  language: pt
  channel: whatsapp
  address: "+5511990000001"
  debts:
    - {ref: C-1001, description: Geladeira, amount: "600.00", due: "2026-11-10"}
"""


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.yml"
    path.write_text(body + DEBTOR, encoding="utf-8")
    return path


def test_fallback_replies_are_recognised_from_the_recorded_actions() -> None:
    assert is_not_understood([{"type": "Reply", "response": "not_understood", "vars": {}}])
    assert is_not_understood([{"type": "Reply", "response": "not_understood_offer_human"}])
    assert is_not_understood([{"type": "HandOff", "reason": "not_understood"}])
    assert not is_not_understood([{"type": "Reply", "response": "identity_required"}])
    assert not is_not_understood([{"type": "HandOff", "reason": "request_human"}])
    assert not is_not_understood([{"type": "Reply", "response": "media_text_only"}])
    assert not is_not_understood(None)


def test_counts_user_turns_and_the_ones_answered_with_the_fallback(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "counts",
        """
name: counts
now: "2026-11-23T10:00:00-03:00"
settings: {identity_check: none}
steps:
  - send_reminder: {}
  - user: "vocês vendem geladeira?"
  - user: "tem fogão azul na loja?"
  - user_media: {type: audio}
  - user: "vou pagar na sexta"
  - expect: {promise: {due: "2026-11-27"}}
""",
    )
    result = run_script(path)
    assert result.passed, result.failures
    assert result.user_turns == 4
    assert result.not_understood_turns == 2
    marked = [line for line in result.transcript if line.endswith("<- not understood")]
    assert marked == [
        "debtor: vocês vendem geladeira?   <- not understood",
        "debtor: tem fogão azul na loja?   <- not understood",
    ]


def test_an_understood_question_before_identity_is_not_a_fallback(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "identity",
        """
name: identity first
now: "2026-11-23T10:00:00-03:00"
settings: {identity_check: confirm_name}
steps:
  - send_reminder: {}
  - user: "quanto eu devo?"
  - expect: {bot_not_said: ["R$"]}
  - user: "sou eu"
""",
    )
    result = run_script(path)
    assert result.passed, result.failures
    assert (result.user_turns, result.not_understood_turns) == (2, 0)


def test_json_results_carry_the_counts_and_the_summary_the_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "json",
        """
name: json counts
now: "2026-11-23T10:00:00-03:00"
settings: {identity_check: none}
steps:
  - send_reminder: {}
  - user: "vocês vendem geladeira?"
  - user: "pago sexta"
""",
    )
    assert main(["test", "conversations", "--json", str(path)]) == 0
    captured = capsys.readouterr()
    [line] = captured.out.strip().splitlines()
    result = json.loads(line)
    assert result["user_turns"] == 2
    assert result["not_understood_turns"] == 1
    assert "2 user turns, 1 not understood (50.0%)" in captured.err


def test_verbose_prints_the_transcript_of_a_passing_script(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "verbose",
        """
name: verbose
now: "2026-11-23T10:00:00-03:00"
settings: {identity_check: none}
steps:
  - user: "pago sexta"
""",
    )
    assert main(["test", "conversations", str(path)]) == 0
    quiet = capsys.readouterr().out
    assert "debtor: pago sexta" not in quiet
    assert "1 passed, 0 failed; 1 user turns, 0 not understood (0.0%)" in quiet
    assert main(["test", "conversations", "-v", str(path)]) == 0
    assert "| debtor: pago sexta" in capsys.readouterr().out


def test_a_text_that_could_not_be_rendered_fails_the_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The debtor is told a person will answer (bot.conversation.effects.reply_failed), which
    a script's expectations may not notice: the runner fails it and names the text."""
    from bot.dialogue.responses import ResponseBook

    render = ResponseBook.render

    def broken(self: ResponseBook, reply: Any, *args: Any, **kwargs: Any) -> str:
        if reply.response == "debt_details":
            raise ValueError("'oldest' is undefined")
        return render(self, reply, *args, **kwargs)

    monkeypatch.setattr(ResponseBook, "render", broken)
    path = write(
        tmp_path,
        "broken",
        """
name: broken text
now: "2026-11-23T10:00:00-03:00"
settings: {identity_check: none}
steps:
  - user: "quanto eu devo?"
  - expect: {no_promise: true}
""",
    )
    result = run_script(path)
    assert not result.passed
    assert result.failures == [
        "the text 'debt_details' could not be rendered (see the log: reply.render_failed)"
    ]


def test_a_turn_that_fails_fails_the_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A turn that raised is kept as a dead letter and the debtor gets nothing: the script
    fails and says so (it used to pass, with no reply in the transcript)."""
    import bot.conversation.turns as turns
    from bot.dialogue.context import UserTurn

    dialogue = turns.run_dialogue

    def broken(effects: Any, situation: Any, event: Any) -> Any:
        if isinstance(event, UserTurn):  # the reminder before it goes through
            raise RecursionError("maximum recursion depth exceeded")
        return dialogue(effects, situation, event)

    monkeypatch.setattr(turns, "run_dialogue", broken)
    path = write(
        tmp_path,
        "fails",
        """
name: fails
now: "2026-11-23T10:00:00-03:00"
settings: {identity_check: none}
steps:
  - send_reminder: {}
  - user: "consigo pagar 300 dia 15 e o resto dia 30"
""",
    )
    result = run_script(path)
    assert not result.passed
    assert result.failures == [
        "step 2: the turn failed (RecursionError: maximum recursion depth exceeded)"
    ]


def test_false_expectations_check_something(tmp_path: Path) -> None:
    """``payment_instructions: false`` and ``offers_presented: false`` used to pass whatever
    happened; now a PIX or offers shown by the step fail them."""
    path = write(
        tmp_path,
        "falses",
        """
name: falses
now: "2026-11-23T10:00:00-03:00"
settings: {identity_check: none}
steps:
  - send_reminder: {}
  - user: "me manda o pix"
  - expect: {payment_instructions: false}
  - user: "to sem dinheiro, quero parcelar"
  - expect: {offers_presented: false}
  - user: "obrigada"
  - expect: {payment_instructions: false, offers_presented: false}
""",
    )
    result = run_script(path)
    assert not result.passed
    assert [f.split(":")[0] + ":" + f.split(":")[1] for f in result.failures] == [
        "step 3: payment_instructions",
        "step 5: offers_presented",
    ]
