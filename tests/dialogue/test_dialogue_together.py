"""Issue 11 (conv): the whole-message reading and the answers from data as one design: the
routed intent first, then what else the message said (flows.yml ``together``)."""

from __future__ import annotations

from typing import Any

from dialogue_helpers import of_type, replies
from test_dialogue_questions import SHOP
from test_dialogue_whole_message import clauses

from bot.dialogue.actions import OptOut, RecordPromise, SendPaymentInfo
from bot.dialogue.context import Reminder


def test_a_yes_with_a_scam_question_answers_it_then_says_why_we_write(convo: Any) -> None:
    c = convo(identity_check="confirm_name")
    c.send(Reminder("overdue"))
    text = "sim sou eu, mas isso é golpe?"
    d = c.send(
        clauses(
            text,
            ("sim sou eu,", "affirm", 0.9),
            ("mas isso é golpe?", "insult", 0.4),
            topic="scam",
        )
    )
    assert d.state.verified
    assert replies(d) == ["answer_scam", "identity_confirmed"]
    assert "12.345.678/0001-90" in c.texts[-2]  # the shop's CNPJ, to check it is real
    assert "R$" in c.texts[-1]  # and now, confirmed, what the contact is about


def test_a_promise_with_a_store_question_records_it_and_answers(convo: Any) -> None:
    c = convo(**SHOP)
    c.send(Reminder("overdue"))
    text = "vou pagar sexta na loja, qual o endereço?"
    d = c.send(
        clauses(
            text,
            ("vou pagar sexta na loja,", "promise_to_pay", 0.8),
            ("qual o endereço?", "ask_payment_method", 0.5),
            date="2026-11-27",
            topic="pay_at_store",
        )
    )
    assert [a.due.isoformat() for a in of_type(d, RecordPromise)] == ["2026-11-27"]
    # the confirmation says where the counter is: no second message repeating the amount
    assert replies(d) == ["promise_recorded"]
    assert "Rua das Flores" in c.texts[-1]


def test_a_promise_and_a_pix_request_do_both(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    text = "vou pagar hj, manda o pix"
    d = c.send(
        clauses(
            text,
            ("vou pagar hj,", "promise_to_pay", 0.85),
            ("manda o pix", "ask_payment_method", 0.85),
            date="2026-11-23",
            payment_method="pix",
        )
    )
    assert of_type(d, RecordPromise)
    assert [a.method for a in of_type(d, SendPaymentInfo)] == ["pix"]


def test_a_promise_with_an_opt_out_keeps_the_promise_and_stops_messages(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    text = "pago amanha e para de me mandar mensagem"
    d = c.send(
        clauses(
            text,
            ("pago amanha", "promise_to_pay", 0.88),
            ("e para de me mandar mensagem", "opt_out", 0.97),
            date="2026-11-24",
        )
    )
    assert [a.due.isoformat() for a in of_type(d, RecordPromise)] == ["2026-11-24"]
    assert of_type(d, OptOut)
    assert d.state.opted_out
    assert replies(d) == ["promise_recorded", "opt_out"]


def test_a_question_with_a_day_in_it_is_no_promise(convo: Any) -> None:
    c = convo(**SHOP)
    c.send(Reminder("overdue"))
    d = c.send(
        clauses(
            "vcs abrem domingo?",
            ("vcs abrem domingo?", "out_of_scope", 0.84),
            date="2026-11-29",
            topic="store_hours",
        )
    )
    assert not of_type(d, RecordPromise)
    assert replies(d) == ["answer_store_hours"]


def test_a_soft_yes_then_a_promise_is_the_person_speaking(convo: Any) -> None:
    c = convo(identity_check="confirm_name")
    c.send(Reminder("overdue"))
    d = c.send(clauses("ok", ("ok", "affirm", 0.6), soft_yes="soft"))
    assert replies(d) == ["identity_ask_again"]
    assert not d.state.verified
    d = c.send(
        clauses("amanha eu pago", ("amanha eu pago", "promise_to_pay", 0.9), date="2026-11-24")
    )
    assert d.state.verified
    assert of_type(d, RecordPromise)
