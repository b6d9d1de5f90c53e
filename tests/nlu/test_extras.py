"""Extractors of the extra entities (topic, hardship, relative, no_payment_method, soft_yes)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.parse import EXTRA_ENTITY_NAMES, QUESTION_TOPICS
from bot.nlu.extras import extract_all, extract_extras
from bot.nlu.normalize import clean_input, fold

TODAY = date(2026, 11, 23)


def found(text: str, name: str) -> list[str | int]:
    return [s.value for s in extract_extras(fold(text), text) if s.entity == name]


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("quais as opções", "options"),
        ("what are my options?", "options"),
        ("pq ta mais caro", "breakdown"),
        ("tem juros?", "breakdown"),
        ("is there any interest?", "breakdown"),
        ("que compra é essa", "charge_origin"),
        ("achei que tava pago", "charge_origin"),
        ("i thought this was already paid", "charge_origin"),
        ("qual o cnpj", "business_identity"),
        ("que loja é essa", "business_identity"),
        ("which store is this?", "business_identity"),
        ("como conseguiu meu número", "number_source"),
        ("how did you get my number", "number_source"),
        ("isso é golpe?", "scam"),
        ("como sei que é vcs mesmo", "scam"),
        ("is this a scam", "scam"),
        ("vão parar de me cobrar?", "status"),
        ("tá tudo certo então?", "status"),
        ("so we're good?", "status"),
        ("vou ficar com nome sujo?", "credit_bureau"),
        ("spc", "credit_bureau"),
        ("serasa", "credit_bureau"),
        ("will this hurt my credit score", "credit_bureau"),
        ("até quando tenho prazo", "deadline"),
        ("is there a deadline?", "deadline"),
        ("posso pagar na loja?", "pay_at_store"),
        ("can i pay at the store?", "pay_at_store"),
        ("se eu quitar hj a vista tem desconto? qto fica?", "discount"),
        ("best price if I pay the whole thing today", "discount"),
        ("qual o total no final?", "plan_total"),
        ("how much in total?", "plan_total"),
        ("já paguei 200 mês passado, pq ta cobrando tudo?", "partial_payment"),
        ("i already paid $200, why the full amount?", "partial_payment"),
        ("paguei pro vendedor no pix dele", "paid_to_person"),
        ("i paid the salesman", "paid_to_person"),
    ],
)
def test_topics(text: str, topic: str) -> None:
    assert topic in QUESTION_TOPICS
    assert found(text, "topic")[:1] == [topic]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("meu marido ficou doente", "illness"),
        ("fiz uma cirurgia", "illness"),
        ("i was sick for weeks", "illness"),
        ("to desempregado", "unemployment"),
        ("desempregada desde maio", "unemployment"),
        ("i got laid off", "unemployment"),
        ("lost my job last month", "unemployment"),
        ("minha mãe faleceu", "death"),
        ("meu pai morreu", "death"),
        ("my dad passed away", "death"),
        ("to passando por uma separação", "divorce"),
        ("going through a divorce", "divorce"),
        ("ele ta internado no hospital", "hospital"),
        ("to bem apertado", "money_tight"),
        ("sem grana nenhuma", "money_tight"),
        ("money is tight", "money_tight"),
    ],
)
def test_hardship(text: str, value: str) -> None:
    assert set(found(text, "hardship")) == {value}


@pytest.mark.parametrize("text", ["ill pay friday", "vou pagar sexta", "o hospital da loja?"])
def test_no_hardship_in_plain_talk(text: str) -> None:
    assert found(text, "hardship") in ([], ["hospital"])
    assert "illness" not in found(text, "hardship")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("sou a mãe dele", "mother"),
        ("aqui é a esposa", "spouse"),
        ("this is his wife", "spouse"),
        ("i'm her son", "child"),
        ("sou irmã dela", "sibling"),
        ("sou o tio dele", "relative"),
        ("sou amiga dela", "friend"),
    ],
)
def test_relative(text: str, value: str) -> None:
    assert found(text, "relative") == [value]


@pytest.mark.parametrize("text", ["sou eu", "sou mãe solteira", "this is me"])
def test_not_a_relative(text: str) -> None:
    assert found(text, "relative") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("não tenho pix", "pix"),
        ("nao tenho cartao de credito", "card"),
        ("i don't have a card", "card"),
        ("sem conta em banco", "transfer"),
        ("i dont use pix", "pix"),
    ],
)
def test_no_payment_method(text: str, value: str) -> None:
    assert found(text, "no_payment_method") == [value]


@pytest.mark.parametrize("text", ["não tem boleto?", "paguei no pix dele", "manda o pix"])
def test_having_or_asking_for_a_method_is_not_lacking_it(text: str) -> None:
    assert found(text, "no_payment_method") == []


@pytest.mark.parametrize("text", ["ok", "okk", "👍", "blz", "hm", "ta", "certo", "k", "Ok!"])
def test_soft_yes_on_a_bare_acknowledgement(text: str) -> None:
    assert found(text, "soft_yes") == ["soft"]


@pytest.mark.parametrize("text", ["sim, sou eu", "ok vou pagar sexta", "certo, manda o pix"])
def test_no_soft_yes_with_more_said(text: str) -> None:
    assert found(text, "soft_yes") == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_extras_never_raise_and_stay_inside_the_text(text: str) -> None:
    for e in extract_all(text, TODAY, "pt"):
        assert 0 <= e.start <= e.end <= len(text)
        if e.entity in EXTRA_ENTITY_NAMES:
            assert e.text == clean_input(text)[e.start : e.end]  # control chars as spaces


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("what's the total with the installments?", "plan_total"),
        ("whats the total for these payments", "plan_total"),
        ("when is the first payment?", "plan_dates"),
        ("when will be the next installment", "plan_dates"),
    ],
)
def test_english_questions_about_a_plan(text: str, topic: str) -> None:
    assert topic in found(text, "topic")


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("e se eu atrasar uma parcela?", "late_payment"),
        ("o que acontece se eu atrasar?", "late_payment"),
        ("what if I miss a payment?", "late_payment"),
        ("what happens if I pay late?", "late_payment"),
        ("mas ele quebrou na primeira semana", "product_issue"),
        ("a geladeira parou de funcionar", "product_issue"),
        ("the tv stopped working after a week", "product_issue"),
        ("it came broken", "product_issue"),
    ],
)
def test_late_payment_and_product_issue_questions(text: str, topic: str) -> None:
    assert topic in found(text, "topic")


@pytest.mark.parametrize("text", ["vou pagar com atraso de 2 dias", "quebrei o galho", "ok"])
def test_no_late_or_product_topic_without_the_question(text: str) -> None:
    topics = found(text, "topic")
    assert "late_payment" not in topics
    assert "product_issue" not in topics


@pytest.mark.parametrize(
    "text",
    [
        "qual o valor da primeira parcela?",
        "quanto é a primeira parcela?",
        "qual o valor de cada parcela?",
        "quanto fica cada parcela?",
        "qual o valor da entrada?",
        "how much is the first payment?",
        "how much is each installment?",
    ],
)
def test_installment_amount_questions(text: str) -> None:
    assert "installment_amount" in found(text, "topic")


@pytest.mark.parametrize("text", ["vou pagar a primeira parcela sexta", "quero parcelar", "ok"])
def test_no_installment_amount_topic_without_the_question(text: str) -> None:
    assert "installment_amount" not in found(text, "topic")


@pytest.mark.parametrize(
    "text",
    [
        "posso pagar a segunda antes?",
        "da pra adiantar a proxima parcela?",
        "e a terceira, posso adiantar?",
        "can I pay the second one early?",
        "can i pay the next installment early",
        "I'd like to pay the 2nd installment in advance",
    ],
)
def test_pay_early_questions(text: str) -> None:
    assert "pay_early" in found(text, "topic")


@pytest.mark.parametrize(
    "text", ["posso pagar na segunda?", "vou pagar a primeira parcela sexta", "can I pay monday?"]
)
def test_no_pay_early_topic_for_a_day(text: str) -> None:
    assert "pay_early" not in found(text, "topic")


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("and what happens if i'm a few days late?", "late_payment"),
        ("what if i pay a few days late?", "late_payment"),
        ("e se eu pagar uns dias atrasado?", "late_payment"),
        ("qual o minimo q eu posso pagar?", "options"),
        ("whats the minimum i can pay?", "options"),
        ("entao fica 600 ne?", "partial_payment"),
    ],
)
def test_questions_found_reading_fresh_transcripts(text: str, topic: str) -> None:
    assert topic in found(text, "topic")


@pytest.mark.parametrize(
    "text",
    [
        "can you delete my data?",
        "what info do you have about me?",
        "quero que apaguem meus dados",
        "quais dados vcs tem de mim?",
    ],
)
def test_privacy_requests(text: str) -> None:
    assert "privacy_request" in found(text, "topic")


@pytest.mark.parametrize("text", ["me manda os dados do pix", "dados bancarios pra transferir"])
def test_no_privacy_request_for_payment_details(text: str) -> None:
    assert "privacy_request" not in found(text, "topic")
