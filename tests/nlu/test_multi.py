"""Messages of several parts, phrase rules and the multi-clause held-out set (issue 11)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu.data import read_rasa_file
from bot.nlu.embedded import EmbeddedInterpreter
from bot.nlu.evaluate import evaluate, load_cases

HERE = Path(__file__).parent
DATA_DIR = HERE.parents[1] / "nlu_data"
NOW = datetime.fromisoformat("2026-11-23T10:00:00-03:00")  # a Monday
MULTI = HERE / "heldout_multi.yml"
NEW_TRAINING = (
    DATA_DIR / "pt" / "conversas_reais.yml",
    DATA_DIR / "en" / "real_chats.yml",
    DATA_DIR / "pt" / "auditoria.yml",
    DATA_DIR / "en" / "audit.yml",
)


def test_the_issue_example(interpreter: EmbeddedInterpreter) -> None:
    text = (
        "oi boa tarde, sou eu sim. olha vou ser sincera, meu marido ficou doente e não "
        "consigo pagar"
    )
    parsed = interpreter.parse(text, NOW)
    assert parsed.intent == "cannot_pay"
    assert parsed.clause_intents(0.45)[:2] == ("greet", "affirm")
    assert "cannot_pay" in parsed.clause_intents()
    assert parsed.all_values("hardship") == ("illness",)
    assert parsed.to_json()["clauses"][1]["text"] == "sou eu sim."


def test_entities_belong_to_the_clause_they_start_in(interpreter: EmbeddedInterpreter) -> None:
    parsed = interpreter.parse("sou eu. nao tenho pix, pode ser boleto dia 10?", NOW)
    for clause in parsed.clauses:
        for e in clause.entities:
            assert clause.start <= e.start < clause.end
    assert sum(len(c.entities) for c in parsed.clauses) == len(parsed.entities)
    assert parsed.all_values("no_payment_method") == ("pix",)


def test_a_one_part_message_is_one_clause(interpreter: EmbeddedInterpreter) -> None:
    parsed = interpreter.parse("vou pagar 100 na sexta", NOW)
    assert len(parsed.clauses) == 1
    assert parsed.clauses[0].intent == parsed.intent == "promise_to_pay"
    assert parsed.clauses[0].entities == parsed.entities


@pytest.mark.parametrize(
    "text",
    [
        "para de me mandar msg",
        "pare de me mandar mensagem",
        "não me manda mais nada",
        "me tira da lista",
        "SAIR",
        "stop texting me",
        "stop messaging me",
        "unsubscribe",
        "don't text me again",
        "remove me from your list",
        "ja paguei tudo. agora para de me mandar mensagem",
        "ok vou ver isso. but stop texting me",
    ],
)
def test_opt_out_phrases_anywhere(interpreter: EmbeddedInterpreter, text: str) -> None:
    parsed = interpreter.parse(text, NOW)
    assert parsed.intent == "opt_out"
    assert parsed.confidence >= 0.95


@pytest.mark.parametrize(
    "text",
    ["não para de chover", "stop by the store", "parei de trabalhar", "vão parar de me cobrar?"],
)
def test_opt_out_look_alikes(interpreter: EmbeddedInterpreter, text: str) -> None:
    assert interpreter.parse(text, NOW).intent != "opt_out"


@pytest.mark.parametrize(
    "text",
    # none of the words a stop request is made of: the classifier leaned to opt_out on the
    # first and every message stopped
    [
        "nao me deram nada",
        "nao tenho comprovante, nao me deram nada",
        "deixa pra la",
        "vou sair do emprego",
        "me tira uma duvida",
        "cancela o acordo",
        "leave it",
        "cancel the agreement",
        "i quit my job",
    ],
)
def test_no_opt_out_without_its_words(interpreter: EmbeddedInterpreter, text: str) -> None:
    assert interpreter.parse(text, NOW).intent != "opt_out"


@pytest.mark.parametrize(
    "text",
    ["me deixa em paz", "nunca mais", "nao quero mais", "leave me alone", "parem", "cancel"],
)
def test_short_opt_outs_keep_their_words(interpreter: EmbeddedInterpreter, text: str) -> None:
    assert interpreter.parse(text, NOW).intent == "opt_out"


@pytest.mark.parametrize("text", ["número errado", "não conheço essa pessoa", "wrong number"])
def test_wrong_person_phrases(interpreter: EmbeddedInterpreter, text: str) -> None:
    parsed = interpreter.parse(text, NOW)
    assert (parsed.intent, parsed.confidence >= 0.95) == ("wrong_person", True)


@pytest.mark.parametrize(
    "text",
    [
        "é eu",
        "eh eu",
        "ya",
        "yep",
        "speaking",
        "eu mesma",
        "eu mesmo",
        "this is she",
        "this is him",
        "sou eu sim porra",
        "sou eu msm",
        "isso, sou eu",
        "yeah this is me",
    ],
)
def test_identity_confirmations(interpreter: EmbeddedInterpreter, text: str) -> None:
    parsed = interpreter.parse(text, NOW)
    assert parsed.intent == "affirm" or "affirm" in parsed.clause_intents(0.5)


@pytest.mark.parametrize(
    ("text", "intent", "entity", "value"),
    [
        ("3x com a primeira só dia 10", "negotiate", "installments", 3),
        ("3x com a primeira só dia 10", "negotiate", "date", "2026-12-10"),
        ("pode ser dia 1 então", "promise_to_pay", "date", "2026-12-01"),
        ("sexta eu pago", "promise_to_pay", "date", "2026-11-27"),
        ("só consigo 30 por mês", "negotiate", "amount", "30.00"),
        ("I just need till the 15th", "promise_to_pay", "date", "2026-12-15"),
        ("se eu quitar hj a vista tem desconto?", "negotiate", "topic", "discount"),
        ("pq ta mais caro?", "ask_debt_details", "topic", "breakdown"),
    ],
)
def test_colloquial(
    interpreter: EmbeddedInterpreter, text: str, intent: str, entity: str, value: object
) -> None:
    parsed = interpreter.parse(text, NOW)
    assert parsed.intent == intent
    assert value in parsed.all_values(entity)


def test_callback_after_asking_family(interpreter: EmbeddedInterpreter) -> None:
    assert interpreter.parse("vou ver com meu marido e te aviso", NOW).intent == "callback_later"


@pytest.mark.parametrize("text", ["[áudio]", "<media omitted>", "🎤", "😂😂😂", "🙏"])
def test_voice_notes_and_emoji_never_fail(interpreter: EmbeddedInterpreter, text: str) -> None:
    parsed = interpreter.parse(text, NOW)
    assert parsed.intent in ("out_of_scope", "affirm", "thanks", "greet", "insult")
    assert len(parsed.clauses) <= 1


@pytest.mark.parametrize(
    ("text", "hint", "language"),
    [("yes", "pt", "en"), ("sim", "en", "pt"), ("ok", "en", "en"), ("ok", "pt", "pt")],
)
def test_language_of_short_answers(
    interpreter: EmbeddedInterpreter, text: str, hint: str, language: str
) -> None:
    assert interpreter.parse(text, NOW, language=hint).language == language


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_with_clauses_in_order(
    interpreter: EmbeddedInterpreter, text: str
) -> None:
    parsed = interpreter.parse(text, NOW)
    position = 0
    for clause in parsed.clauses:
        assert position <= clause.start < clause.end <= len(text)
        position = clause.end
    for e in parsed.entities:
        assert 0 <= e.start <= e.end <= len(text)


def test_heldout_multi(interpreter: EmbeddedInterpreter) -> None:
    cases, now = load_cases(MULTI)
    assert now is not None
    assert len(cases) >= 120
    report = evaluate(interpreter, cases, now)
    # measured 0.985 intent / 1.000 topic at commit (0.822 before the work)
    assert report["accuracy"] >= 0.97, report["errors"]
    for name in ("topic", "hardship", "relative", "date", "amount"):
        assert report["rates"][name] >= 0.95, (name, report["errors"])


def test_new_training_files_do_not_copy_held_out_sentences() -> None:
    training = {
        e.text.strip().lower() for path in NEW_TRAINING for e in read_rasa_file(path, language="")
    }
    for path in sorted(HERE.glob("heldout*.yml")):
        cases, _ = load_cases(path)
        copied = [c.text for c in cases if c.text.strip().lower() in training]
        assert not copied, (path.name, copied)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("nao vou pagar isso", "dispute"),  # a refusal, not "vou pagar" (a promise)
        ("não vou pagar nada", "dispute"),
        ("i won't pay that", "dispute"),
        ("i'm not paying this", "dispute"),
        ("não vou conseguir pagar sexta", "cannot_pay"),  # that day is off
        ("i won't be able to pay friday", "cannot_pay"),
        ("vou pagar sexta", "promise_to_pay"),
    ],
)
def test_refusals_and_days_off_are_no_promises(
    interpreter: EmbeddedInterpreter, text: str, intent: str
) -> None:
    assert interpreter.parse(text, NOW).intent == intent
