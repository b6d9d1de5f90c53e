"""The misreadings that cost most, found with tests/nlu/heldout_risky.yml.

An opt-out that was not one stops every reminder for good; a refusal read as a promise gets
"Que bom! Qual dia?"; "sou eu" read as a wrong person closes the number; "não paguei ainda"
read as a payment claim pauses collecting; a slang amount read wrong sends the wrong PIX.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from bot.nlu.embedded import EmbeddedInterpreter
from bot.nlu.entities import extract
from bot.nlu.evaluate import evaluate, load_cases

NOW = datetime.fromisoformat("2026-11-23T10:00:00-03:00")  # a Monday
RISKY = Path(__file__).with_name("heldout_risky.yml")
# Intents whose false positives change what happens for good or pause collecting.
HIGH_IMPACT = frozenset({"opt_out", "promise_to_pay", "wrong_person", "dispute", "already_paid"})
NEGATIONS = frozenset({"dispute", "cannot_pay"})  # refusals and days off: never a promise


def test_heldout_risky_has_enough_examples() -> None:
    cases, now = load_cases(RISKY)
    assert now is not None
    assert len(cases) >= 300
    by_language = {lang: sum(c.language == lang for c in cases) for lang in ("pt", "en")}
    assert min(by_language.values()) >= 140, by_language


def test_heldout_risky_high_impact_errors(interpreter: EmbeddedInterpreter) -> None:
    cases, now = load_cases(RISKY)
    assert now is not None
    report = evaluate(interpreter, cases, now)
    intent_errors = [e for e in report["errors"] if "entity" not in e]
    false_opt_outs = [e for e in intent_errors if e["got"] == "opt_out"]
    negation_promises = [
        e for e in intent_errors if e["got"] == "promise_to_pay" and e["expected"] in NEGATIONS
    ]
    high = [e for e in intent_errors if e["got"] in HIGH_IMPACT]
    money_or_day = [e for e in report["errors"] if e.get("entity") in ("date", "amount")]
    assert false_opt_outs == []
    assert negation_promises == []
    assert money_or_day == []
    # measured 0 at commit (41 before the audit, and 5 amounts missing or wrong)
    assert high == [], high
    # measured 0.920 at commit (0.791 before the audit); the 27 left are low-impact
    # (question vs negotiate, deny vs cannot_pay, callback vs promise)
    assert report["accuracy"] >= 0.91, intent_errors


@pytest.mark.parametrize(
    "text",
    [
        "chega de enrolação, vou pagar tudo hoje",
        "para de ser chato, pago dia 5",
        "nao quero mais receber boleto de papel, manda no whats",
        "pode parar de me mandar boleto, pago no pix",
        "nao precisa mais mandar lembrete, ja paguei",
        "please stop the interest, i want a deal",
        "stop charging me late fees and i'll pay it",
        "hold on, stop, how much is it?",
        "pera, para tudo, quanto eu devo?",
    ],
)
def test_not_opt_outs(interpreter: EmbeddedInterpreter, text: str) -> None:
    assert interpreter.parse(text, NOW).intent != "opt_out"


@pytest.mark.parametrize(
    "text",
    [
        "para de me mandar mensagem",
        "nao quero mais receber mensagens",
        "STOP",
        "stop texting me, i already paid",
        # a stop word beside a payment claim stays a stop (DESIGN: opt-out words work
        # anywhere); the dialogue takes the payment claim up first, then stops
        "stop, i already paid this yesterday",
        "para com isso, eu ja paguei",
        "para de me mandar msg, ja paguei",
        "chega de mensagem",
        "SAIR",
    ],
)
def test_opt_outs_stay(interpreter: EmbeddedInterpreter, text: str) -> None:
    assert interpreter.parse(text, NOW).intent == "opt_out"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("num vou pagar nada disso", "dispute"),
        ("eu nunca vou pagar isso", "dispute"),
        ("n vou pagar o que eu nao devo", "dispute"),
        ("ja falei que nao vou pagar", "dispute"),
        ("nem fudendo que eu pago isso", "dispute"),
        ("i will never pay this", "dispute"),
        ("won't pay it, period", "dispute"),
        ("i'm not paying those late fees", "dispute"),
        ("no way im paying 500 for that", "dispute"),
        ("nao da pra pagar dia 10", "cannot_pay"),
        ("nao posso pagar hoje, nem amanha", "cannot_pay"),
        ("nao vou dar conta de pagar esse mes", "cannot_pay"),
        ("can't pay friday after all", "cannot_pay"),
        ("no way i can pay by the 10th", "cannot_pay"),
        ("i wont make it by friday", "cannot_pay"),
        ("nao posso pagar hoje, so amanha", "promise_to_pay"),  # the other day is the promise
        ("i'm not paying friday, i can do monday", "promise_to_pay"),
    ],
)
def test_refusals_and_days_off(interpreter: EmbeddedInterpreter, text: str, intent: str) -> None:
    assert interpreter.parse(text, NOW).intent == intent


@pytest.mark.parametrize(
    "text", ["e se eu nao pagar isso?", "what if i won't pay it?", "e se eu nao pagar nada?"]
)
def test_hypotheticals_are_not_refusals(interpreter: EmbeddedInterpreter, text: str) -> None:
    assert interpreter.parse(text, NOW).intent not in ("dispute", "promise_to_pay")


@pytest.mark.parametrize(
    "text",
    [
        "numero errado nao, sou eu mesma",
        "nao é engano, sou eu",
        "troquei de numero mas sou eu",
        "not the wrong number, it's me",
        "nao, nao foi engano",
    ],
)
def test_denied_wrong_person(interpreter: EmbeddedInterpreter, text: str) -> None:
    assert interpreter.parse(text, NOW).intent != "wrong_person"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("não paguei ainda porque esqueci, pago hoje", "promise_to_pay"),
        ("eu nao disse que ja paguei, disse que vou pagar", "promise_to_pay"),
        ("haven't paid yet, will pay thursday", "promise_to_pay"),
        ("meu filho comprou no meu nome mas eu pago", "promise_to_pay"),
        ("my son bought it but i'll pay", "promise_to_pay"),
    ],
)
def test_not_paid_and_conceded(interpreter: EmbeddedInterpreter, text: str, intent: str) -> None:
    assert interpreter.parse(text, NOW).intent == intent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dou dois mil a vista", ["2000.00"]),
        ("faço 2 mil e quinhentos a vista", ["2500.00"]),  # was R$ 2.000
        ("pago quinhentos a vista", ["500.00"]),
        ("mando duzentão amanha", ["200.00"]),
        ("pago quinhentão hoje", ["500.00"]),
        ("fifty a week", ["50.00"]),
        ("i can pay a hundred", ["100.00"]),
        ("pago a vista", []),
    ],
)
def test_amounts_before_a_vista_and_augmentatives(text: str, expected: list[str]) -> None:
    lang = "en" if text.startswith(("fifty", "i ")) else "pt"
    found = [e.value for e in extract(text, date(2026, 11, 23), lang) if e.entity == "amount"]
    assert found == expected
