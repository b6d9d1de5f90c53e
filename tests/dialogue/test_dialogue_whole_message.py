"""Issue 11: the dialogue acts on the whole message (clauses, identity, hardship, follow-ups,
counter-proposals and replies that do not repeat). Pure: hand-built Parse objects."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dialogue_helpers import TODAY, make_parse, of_type, replies

from bot.core.parse import Clause, Entity, Parse
from bot.dialogue.actions import (
    HandOff,
    LogEvent,
    OptOut,
    PresentOffers,
    RecordPromise,
    Reply,
    ScheduleContact,
)
from bot.dialogue.context import Reminder, UserTurn


def clauses(text: str, *parts: tuple[str, str, float], **entities: Any) -> UserTurn:
    """A message made of clauses (text, intent, confidence); the main intent is the last."""
    found: list[Clause] = []
    at = 0
    for part, intent, conf in parts:
        start = text.index(part, at)
        found.append(Clause(part, start, start + len(part), intent, conf))
        at = start + len(part)
    ents = tuple(Entity(k, v, 0, 1, str(v)) for k, v in entities.items())
    main = found[-1]
    parse = Parse(
        text=text,
        language="pt",
        intent=main.intent,
        confidence=main.confidence,
        intent_ranking=((main.intent, main.confidence),),
        entities=ents,
        clauses=tuple(found),
    )
    return UserTurn(parse)


def test_identity_story_and_plan_request_are_answered_in_one_turn(convo: Any) -> None:
    c = convo(identity_check="confirm_name")
    c.send(Reminder("overdue"))
    text = "oi boa tarde, sou eu sim. meu marido ficou doente, da pra parcelar em 3x?"
    d = c.send(
        clauses(
            text,
            ("oi boa tarde", "greet", 0.9),
            ("sou eu sim", "affirm", 0.97),
            ("meu marido ficou doente", "cannot_pay", 0.7),
            ("da pra parcelar em 3x", "negotiate", 0.8),
            hardship="illness",
            installments=3,
        )
    )
    assert d.state.verified
    assert replies(d) == ["identity_thanks", "hardship_ack", "plan_summary"]
    assert LogEvent("identity_confirmed", {}) in d.actions
    assert "recuperação" in c.texts[-2] or "Desejo melhoras" in c.texts[-2]
    assert "3x de R$ 150,00" in c.texts[-1]
    assert d.state.phase == "confirming_plan"


def test_yes_with_a_layoff_in_english_confirms_and_shows_hardship_offers(convo: Any) -> None:
    c = convo(identity_check="confirm_name", language="en")
    c.send(Reminder("overdue"))
    parse = make_parse(
        "cannot_pay", conf=0.5, lang="en", text="yeah this is me. look i cant pay, got laid off"
    )
    d = c.send(UserTurn(parse))
    assert d.state.verified
    assert replies(d) == ["identity_thanks", "hardship_ack", "offers"]
    assert "am I talking" not in " ".join(c.texts[-3:])


def test_identity_words_confirm_whatever_the_classifier_says(convo: Any) -> None:
    for text in ("é eu", "ya", "speaking", "eu mesma", "this is she", "sou eu sim porra"):
        c = convo(identity_check="confirm_name")
        c.send(Reminder("overdue"))
        d = c.say("insult" if "porra" in text else "out_of_scope", conf=0.3, text=text)
        assert d.state.verified, text
        assert replies(d) == ["identity_confirmed"], text
        assert not of_type(d, HandOff)


def test_a_bare_ok_or_thumbs_up_is_asked_again_in_other_words(convo: Any) -> None:
    c = convo(identity_check="confirm_name")
    c.send(Reminder("overdue"))
    d = c.say("affirm", conf=0.84, text="ok")
    assert not d.state.verified
    assert replies(d) == ["identity_ask_again"]
    assert "460" not in c.texts[-1]
    assert "Guarda" not in c.texts[-1]
    d = c.say("affirm", conf=0.79, text="👍")
    assert not d.state.verified
    assert replies(d) == ["identity_ask"]
    d = c.say("affirm", text="sim, sou eu")
    assert d.state.verified
    assert "R$ 460,65" in c.texts[-1]


def test_soft_yes_entity_from_the_nlu_is_not_a_yes(convo: Any) -> None:
    c = convo(identity_check="confirm_name")
    c.send(Reminder("overdue"))
    d = c.say("affirm", text="hmm", soft_yes="soft")
    assert replies(d) == ["identity_ask_again"]


def test_hardship_is_acknowledged_once_and_never_with_que_bom(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("affirm", text="sim, mas minha mãe faleceu, to sem cabeça", hardship="death")
    # someone grieving is not shown plans: condolences, and a word again in a few days
    assert replies(d) == ["hardship_ack", "no_means"]
    assert not of_type(d, PresentOffers)
    assert "perda" in c.texts[-2]
    assert all(r.vars.get("calm") for r in of_type(d, Reply))
    assert d.state.extra["hardship_ack"] == "death"
    d = c.say("cannot_pay", text="ainda to sem dinheiro", hardship="money_tight")
    assert "hardship_ack" not in replies(d)


def test_opt_out_phrases_work_whatever_the_confidence(convo: Any) -> None:
    for text, lang in (("para de me mandar msg", "pt"), ("pls stop texting me", "en")):
        c = convo()
        c.send(Reminder("overdue"))
        d = c.say("out_of_scope", conf=0.2, text=text, lang=lang)
        assert of_type(d, OptOut), text
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("out_of_scope", conf=0.2, text="SAIR")
    assert of_type(d, OptOut)
    d2 = convo().say("promise_to_pay", text="vou sair do trabalho e pago sexta", date="2026-11-27")
    assert not of_type(d2, OptOut)


def test_a_confident_clause_is_acted_on_when_the_main_intent_is_unsure(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    parse = make_parse("out_of_scope", conf=0.2, text="hmm assim. me manda o pix")
    parse = replace(parse, clauses=(Clause("me manda o pix", 10, 25, "ask_payment_method", 0.9),))
    d = c.send(UserTurn(parse))
    assert replies(d) == ["payment_info"]
    assert d.state.not_understood_streak == 0


def test_a_day_said_in_an_open_conversation_is_a_promise(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("affirm", conf=0.4, text="pode ser dia 1 então", date="2026-12-01")
    assert [a.due.isoformat() for a in of_type(d, RecordPromise)] == ["2026-12-01"]


def test_a_friday_is_not_option_six(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    c.say("cannot_pay")
    parse = Parse(
        text="pode ser sexta",
        language="pt",
        intent="promise_to_pay",
        confidence=0.47,
        entities=(
            Entity("option", 6, 9, 14, "sexta"),
            Entity("date", "2026-11-27", 9, 14, "sexta"),
        ),
    )
    d = c.send(UserTurn(parse))
    assert of_type(d, RecordPromise)


def test_check_with_my_husband_schedules_a_follow_up(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("callback_later", conf=0.42, text="vou ver com meu marido e te aviso")
    contacts = of_type(d, ScheduleContact)
    assert [(a.reason, a.at.date().isoformat()) for a in contacts] == [("follow_up", "2026-11-24")]
    assert replies(d) == ["follow_up_ok"]
    assert "24/11" in c.texts[-1]


def test_first_installment_day_is_honoured_or_the_limit_is_said(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("negotiate", text="3x com a primeira dia 25", installments=3, date="2026-11-25")
    assert c.ctx.offers.calls[-1]["installments"] == 3
    assert d.state.pending_plan is not None
    assert d.state.pending_plan.first_due.isoformat() == "2026-11-25"
    assert "25/11/2026" in c.texts[-1]
    d = c.say("negotiate", text="3x com a primeira dia 10", installments=3, date="2026-12-10")
    assert d.state.pending_plan is not None
    assert d.state.pending_plan.first_due.isoformat() == "2026-11-26"
    assert "26/11/2026" in c.texts[-1]
    assert "10/12/2026" in c.texts[-1]


def test_every_installment_date_is_listed(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("negotiate", installments=3)
    plan = d.state.pending_plan
    assert plan is not None
    for payment in plan.payments:
        assert payment.due.strftime("%d/%m/%Y") in c.texts[-1]


def test_the_same_counter_proposal_twice_becomes_an_approval_request(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("negotiate", text="só consigo 30 por mês", amount="30.00")
    assert replies(d) == ["plan_summary"]
    assert "R$ 30,00 por mês" in c.texts[-1]
    d = c.say("deny", text="não, só consigo 30 mesmo", amount="30.00")
    assert HandOff("approval") in d.actions
    assert replies(d) == ["request_approval"]
    assert "segunda a sexta" in c.texts[-1]
    assert "número da opção" not in c.texts[-1]
    assert [a.kind for a in of_type(d, LogEvent)][-1] == "approval_request"


def test_a_date_too_far_twice_becomes_an_approval_request(convo: Any) -> None:
    c = convo(language="en")
    c.send(Reminder("overdue"))
    d = c.say("promise_to_pay", text="I just need till the 15th", date="2026-12-15")
    assert of_type(d, PresentOffers)
    d = c.say("promise_to_pay", text="only on the 15th", date="2026-12-15")
    assert HandOff("approval") in d.actions
    assert not of_type(d, RecordPromise)


def test_pay_in_full_question_shows_the_discount_never_a_promise(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say(
        "promise_to_pay",
        text="se eu quitar hj a vista tem desconto? qto fica?",
        date=TODAY.isoformat(),
    )
    assert not of_type(d, RecordPromise)
    assert d.state.pending_plan is not None
    assert d.state.pending_plan.kind == "pay_in_full"
    assert "à vista" in c.texts[-1]


def test_plan_total_question_restates_the_plan(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    c.say("negotiate", installments=3)
    d = c.say("ask_debt_details", text="qual o total no final?")
    assert replies(d) == ["plan_summary"]
    assert "R$ 450,00" in c.texts[-1]
    assert d.state.phase == "confirming_plan"


def test_the_same_reply_twice_in_a_row_takes_another_variant(convo: Any) -> None:
    c = convo(promise=None)
    c.send(Reminder("overdue"))
    first = c.say("thanks")
    second = c.say("thanks")
    a = [x for x in first.actions if isinstance(x, Reply)][0]
    b = [x for x in second.actions if isinstance(x, Reply)][0]
    assert a.variant is not None
    assert b.variant == a.variant + 1
    assert c.texts[-1] != c.texts[-2]


def test_reminders_on_consecutive_days_are_not_word_for_word(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    c.send(Reminder("overdue"))
    assert c.texts[-1] != c.texts[-2]
