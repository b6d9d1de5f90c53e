"""Responses: every name in both languages, deterministic variants, locale filters."""

from __future__ import annotations

from pathlib import Path

import pytest
from dialogue_helpers import ROOT, SETTINGS, FakeOffers

from bot.dialogue.actions import Reply
from bot.dialogue.names import CHOICE_LABELS, RESPONSES
from bot.dialogue.responses import ResponseBook, ResponseError, business_vars
from bot.dialogue.turn import plan_vars

BUSINESS = business_vars(SETTINGS)


def sample_vars() -> dict[str, object]:
    plans = FakeOffers().plans
    return {
        "first_name": "Paula",
        "first_contact": True,
        "verified": True,
        "total": "460.65",
        "principal": "450.00",
        "late_fee": "9.00",
        "interest": "1.65",
        "has_charges": True,
        "overdue": True,
        "oldest_due": "2026-11-12",
        "description": "Guarda-roupa",
        "debts": [{"description": "Guarda-roupa", "amount": "450.00", "due": "2026-11-12"}],
        "debt_count": 1,
        "date": "2026-11-27",
        "max_date": "2026-12-03",
        "rest": "312.50",
        "rest_date": "2026-12-10",
        "part": "100.00",
        "part_date": "2026-12-03",
        "part_names": "Fone",
        "grace_days": 5,
        "rest_names": "Celular",
        "parts": [
            {"amount": "100.00", "date": "2026-12-03", "is_today": True, "is_tomorrow": False},
            {"amount": "100.00", "date": "2026-12-05", "is_today": False, "is_tomorrow": False},
        ],
        "claimed": "200.00",
        "max_days": 10,
        "amount": "450.00",
        "is_today": False,
        "is_tomorrow": False,
        "until": "2026-11-26",
        "days": 3,
        "hours": 3,
        "valid_hours": 72,  # portal_link
        "link": "https://cobranca.example/p/c.1.tpm55r.sig",
        "count": 2,
        "plans": [plan_vars(p, i + 1) for i, p in enumerate(plans[:2])],
        "plan": plan_vars(plans[1]),
        "exact": True,
        "proposal": False,
        "reason": "default",
        "more": False,
        "method": "pix",
        "due": "2026-11-26",
        "purpose": "installment",
        "pix_code": "00020126...6304ABCD",
        "settled_all": True,
        "phase": "open",
        "has_offers": False,
        "has_pending": False,
        "has_promise": False,
        "kinds": ["audio"],
        "template": "overdue",
        # questions answered from data
        "days_overdue": 11,
        "topic": "breakdown",
        "received": "200.00",
        "has_received": True,
        "original": "450.00",
        "remaining": "260.65",
        "remaining_has_charges": True,
        "last_payment_amount": "200.00",
        "last_payment_date": "2026-10-20",
        "found": True,
        "source": "on_screen",
        "methods": ["cash", "card"],
        "remote": ["pix"],
        "store_open": True,
        "ask_name": True,
        # "posso pagar a segunda antes?": that installment and the ones before it
        "number": 2,
        "earlier": [{"number": 1, "amount": "300.00", "due": "2026-12-06"}],
    }


def test_every_response_exists_in_both_languages(book: ResponseBook) -> None:
    for lang in ("pt", "en"):
        assert set(book.texts[lang]) >= RESPONSES
        for name in RESPONSES - CHOICE_LABELS:
            assert 2 <= len(book.variants(name, lang)) <= 3, (lang, name)


def test_choice_labels_are_one_short_text(book: ResponseBook) -> None:
    """A button's label does not vary (a person learns where to tap) and fits WhatsApp's
    20 characters for a reply button (plans may run longer: they become list rows)."""
    for lang in ("pt", "en"):
        for name in CHOICE_LABELS:
            [text] = book.variants(name, lang)
            if name not in ("choice_plan", "choice_plan_detail"):
                assert len(text) <= 20, (lang, name)


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_every_variant_renders(book: ResponseBook, lang: str) -> None:
    values = sample_vars()
    for name in sorted(RESPONSES):
        for seed in range(3):
            text = book.render(Reply(name, values), lang, seed=seed, business=BUSINESS)
            assert text, name
            assert "{{" not in text, (name, text)
            assert "{%" not in text, (name, text)
            assert "None" not in text, (name, text)


def test_business_initiated_messages_name_the_business(book: ResponseBook) -> None:
    values = sample_vars()
    for lang in ("pt", "en"):
        for name in (n for n in RESPONSES if n.startswith("reminder_")):
            for seed in range(3):
                text = book.render(Reply(name, values), lang, seed=seed, business=BUSINESS)
                assert "Loja Exemplo" in text, (lang, name)


def test_variant_is_deterministic_and_seeded(book: ResponseBook) -> None:
    reply = Reply("greet", sample_vars())
    first = book.render(reply, "pt", seed=1, business=BUSINESS)
    assert first == book.render(reply, "pt", seed=1, business=BUSINESS)
    assert {book.render(reply, "pt", seed=s, business=BUSINESS) for s in range(4)} != {first}


def test_filters_format_per_language(book: ResponseBook) -> None:
    values = {**sample_vars(), "amount": "1234.50", "date": "2026-11-27"}
    pt = book.render(Reply("promise_recorded", values), "pt", seed=0, business=BUSINESS)
    en = book.render(Reply("promise_recorded", values), "en", seed=0, business=BUSINESS)
    assert "R$ 1.234,50" in pt
    assert "sexta-feira, 27/11" in pt
    assert "R$1,234.50" in en
    assert "Friday, Nov 27" in en


def test_missing_response_is_refused_at_load(tmp_path: Path) -> None:
    for lang in ("pt", "en"):
        (tmp_path / f"{lang}.yml").write_text("greet: oi\n", encoding="utf-8")
    with pytest.raises(ResponseError, match="missing responses"):
        ResponseBook.load(tmp_path)


def test_broken_template_is_refused_at_load(tmp_path: Path) -> None:
    for lang in ("pt", "en"):
        (tmp_path / f"{lang}.yml").write_text("greet: '{% if %}'\n", encoding="utf-8")
    with pytest.raises(ResponseError, match="greet"):
        ResponseBook.load(tmp_path, required={"greet"})


def test_sandbox_blocks_unsafe_attributes(tmp_path: Path) -> None:
    for lang in ("pt", "en"):
        (tmp_path / f"{lang}.yml").write_text(
            "greet: '{{ first_name.__class__.__mro__ }}'\n", encoding="utf-8"
        )
    loaded = ResponseBook.load(tmp_path, required={"greet"})
    with pytest.raises(Exception, match="unsafe|access"):
        loaded.render(Reply("greet", {"first_name": "x"}), "pt", seed=0, business=BUSINESS)


def test_engine_names_are_declared() -> None:
    """Every say("...") in the engine's modules names a declared response."""
    import re

    sources = (ROOT / "bot" / "dialogue").glob("*.py")
    named = set()
    for path in sources:
        named |= set(re.findall(r'say\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert named
    assert named <= RESPONSES


def test_every_shipped_text_compiles() -> None:
    """Loading only parses (texts compile on first use); every shipped one must compile."""
    book = ResponseBook.load(ROOT / "dialogues", strict=True)
    book.compile_all()
    assert len(book._compiled) == sum(
        len(v) for names in book.texts.values() for k, v in names.items() if k != "_macros"
    )


def test_unknown_filter_is_refused_at_load(tmp_path: Path) -> None:
    for lang in ("pt", "en"):
        (tmp_path / f"{lang}.yml").write_text("greet: '{{ total|moneyy }}'\n", encoding="utf-8")
    with pytest.raises(ResponseError, match="moneyy"):
        ResponseBook.load(tmp_path, required={"greet"})


def _installments(*dues: str) -> dict[str, object]:
    payments = [{"number": n + 1, "due": d, "amount": "50.00"} for n, d in enumerate(dues)]
    return {**sample_vars()["plan"], "payments": payments}  # type: ignore[dict-item]


def test_a_long_monthly_schedule_is_said_by_its_day_not_date_by_date(book: ResponseBook) -> None:
    """Twelve dates in a row are hard to read on a phone: the same day each month is said
    once, with the first and last dates; dates on different days are still listed. The first
    payment's date is said once, in the plan's line, so the schedule goes on from the second."""
    monthly = _installments(*(f"2027-{m:02d}-26" for m in range(1, 13)))
    pt = book.render(Reply("plan_summary", {**sample_vars(), "plan": monthly}), "pt", seed=0,
                     business=BUSINESS)  # fmt: skip
    en = book.render(Reply("plan_summary", {**sample_vars(), "plan": monthly}), "en", seed=0,
                     business=BUSINESS)  # fmt: skip
    assert "e as demais todo dia 26, de 26/02/2027 a 26/12/2027" in pt
    assert "26/06/2027" not in pt
    assert "on the 26th of each month, from Feb 26, 2027 to Dec 26, 2027" in en
    uneven = _installments("2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31")
    pt = book.render(Reply("plan_summary", {**sample_vars(), "plan": uneven}), "pt", seed=0,
                     business=BUSINESS)  # fmt: skip
    assert "28/02/2027, 31/03/2027, 30/04/2027" in pt
    short = _installments("2027-01-26", "2027-02-26", "2027-03-26")
    en = book.render(Reply("plan_summary", {**sample_vars(), "plan": short}), "en", seed=0,
                     business=BUSINESS)  # fmt: skip
    assert "and the others on Feb 26, 2027 and Mar 26, 2027" in en


def test_a_kept_label_is_the_text_rendered_for_those_values(book: ResponseBook) -> None:
    """Labels are kept between turns: each set of values still gets its own text."""
    first, second = (plan_vars(plan, n) for n, plan in enumerate(FakeOffers().plans[:2], 1))
    for lang in ("pt", "en"):
        for values in ({"plan": first}, {"plan": second}, {"plan": first}):
            label = book.render_label("choice_plan", values, lang, BUSINESS)
            expected = book.render(
                Reply(response="choice_plan", vars=values), lang, seed=0, business=BUSINESS
            )
            assert label == expected
    texts = {
        book.render_label("choice_plan", {"plan": p}, "pt", BUSINESS) for p in (first, second)
    }
    assert len(texts) == 2
