"""Loading and validating offer books: every problem names its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.offers.book import OfferBookError, Problem, load_offer_book, parse_offer_book

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
currency: BRL
charges:
  late_fee_percent: 2.0
  monthly_interest_percent: 1.0
promise:
  max_days: 10
tiers:
  - name: recent
    when: {days_overdue: [1, 30]}
    offers:
      - {id: full_no_fees, type: pay_in_full, waive: [late_fee, interest]}
      - {id: three_x, type: installments, max_installments: 3, min_installment: "50.00",
         monthly_rate_percent: 0}
  - name: late
    when: {days_overdue: [31, 100000]}
    offers:
      - {id: full_10, type: pay_in_full, discount_percent: 10, waive: [late_fee, interest]}
      - {id: six_x, type: installments, max_installments: 6, min_installment: "40.00",
         down_payment_percent: 10, monthly_rate_percent: 1.0}
limits:
  max_monthly_rate_percent: 1.0
  human_approval_above_discount_percent: 30
"""


def problems(text: str) -> list[Problem]:
    with pytest.raises(OfferBookError) as caught:
        parse_offer_book(text, source="book.yml")
    return caught.value.problems


def edit(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


def test_the_design_example_loads() -> None:
    book = parse_offer_book(GOOD)

    assert book.currency == "BRL"
    assert [t.name for t in book.tiers] == ["recent", "late"]
    assert [o.id for o in book.tiers[1].offers] == ["full_10", "six_x"]
    assert str(book.charges.late_fee_percent) == "2.0"
    assert book.promise_max_days == 10
    assert str(book.limits.human_approval_above_discount_percent) == "30"
    six = book.tiers[1].offers[1]
    assert (six.max_installments, str(six.min_installment), str(six.down_payment_percent)) == (
        6,
        "40.00",
        "10",
    )


@pytest.mark.parametrize(
    "path",
    [ROOT / "offers" / "default.yml", Path("/work/shared/eval/conversations/offers_example.yml")],
)
def test_shipped_books_load(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not here")
    assert load_offer_book(path).tiers


@pytest.mark.parametrize(
    ("old", "new", "line", "fragment"),
    [
        ("late_fee_percent: 2.0", "late_fee_percent: 2.5", 3, "legal maximum of 2.0 %"),
        ("monthly_interest_percent: 1.0", "monthly_interest_percent: 1.5", 4, "legal cap"),
        ("max_monthly_rate_percent: 1.0", "max_monthly_rate_percent: 2", 21, "legal cap"),
        ("monthly_rate_percent: 1.0}", "monthly_rate_percent: 1.2}", 19, "legal cap"),
        (
            "    when: {days_overdue: [31, 100000]}",
            "    when: {days_overdue: [30, 100000]}",
            15,
            "overlaps tier 'recent'",
        ),
        (
            "    when: {days_overdue: [31, 100000]}",
            "    when: {days_overdue: [40, 100000]}",
            15,
            "days overdue 31 to 39 are not covered",
        ),
        ("days_overdue: [1, 30]", "days_overdue: [5, 30]", 9, "1 to 4 are not covered"),
        ("discount_percent: 10", "discount_percent: 120", 17, "discount_percent"),
        ("discount_percent: 10", "discount_percent: -1", 17, "at least 0"),
        ("max_days: 10", "max_dayz: 10", 6, "unknown key 'max_dayz'"),
        (
            "         monthly_rate_percent: 0}",
            "         monthly_rate_percnt: 0}",
            13,
            "unknown key 'monthly_rate_percnt'",
        ),
        (
            "type: pay_in_full, waive",
            "type: pay_in_full, max_installments: 2, waive",
            11,
            "unknown key 'max_installments'",
        ),
        ("late_fee_percent: 2.0", "late_fee_percent: two", 3, "must be a number"),
        ("max_installments: 3,", "max_installments: 3.5,", 12, "whole number"),
        ("max_days: 10", "max_days: [10]", 6, "whole number"),
        (
            "waive: [late_fee, interest]}",
            "waive: [late_fee, principal]}",
            11,
            "cannot waive 'principal'",
        ),
        ("type: pay_in_full, discount", "type: barter, discount", 17, "type must be"),
        ("id: six_x", "id: full_10", 18, "used twice"),
        ("currency: BRL", "currency: USD", 1, "not supported"),
        ('min_installment: "40.00"', 'min_installment: "0"', 18, "above 0"),
        ("down_payment_percent: 10", "down_payment_percent: 100", 19, "below 100"),
        (
            "human_approval_above_discount_percent: 30",
            "human_approval_above_discount_percent: 130",
            22,
            "at most 100",
        ),
        ("days_overdue: [1, 30]", "days_overdue: [30, 1]", 9, "min <= max"),
    ],
)
def test_each_problem_names_its_line(old: str, new: str, line: int, fragment: str) -> None:
    found = problems(edit(old, new))

    assert any(p.line == line and fragment in p.message for p in found), found


def test_rate_above_the_books_own_limit() -> None:
    text = edit("max_monthly_rate_percent: 1.0", "max_monthly_rate_percent: 0.5")

    found = problems(text)

    assert [(p.line, "limits.max_monthly_rate_percent of 0.5" in p.message) for p in found] == [
        (4, True),
        (19, True),
    ]


def test_min_installment_above_the_tiers_largest_balance() -> None:
    text = edit(
        "    when: {days_overdue: [1, 30]}",
        "    when: {days_overdue: [1, 30]}\n  - name: small\n    when: {balance: [0, 60]}\n"
        "    offers:\n      - {id: small_2x, type: installments, max_installments: 2,"
        ' min_installment: "35.00"}',
    )

    found = problems(text)

    assert any(p.line == 13 and "tier's largest balance 60.00" in p.message for p in found), found


def test_missing_keys_and_every_problem_listed_in_order() -> None:
    text = "tiers:\n  - name: a\n    offers:\n      - {type: installments}\n"

    with pytest.raises(OfferBookError) as caught:
        parse_offer_book(text, source="bad.yml")

    lines = str(caught.value).splitlines()
    assert lines[0] == "bad.yml:1: the book is missing 'currency'"
    assert "bad.yml:4: tier 'a' offer 1 is missing 'id'" in lines
    assert "bad.yml:4: tier 'a' offer 1 is missing 'max_installments'" in lines
    assert [p.line for p in caught.value.problems] == sorted(
        p.line or 0 for p in caught.value.problems
    )


def test_a_tier_behind_a_broader_one_can_never_apply() -> None:
    vip = (
        "  - name: vip\n    when: {days_overdue: [1, 10], segment: vip}\n"
        "    offers:\n      - {id: vip_full, type: pay_in_full}\n"
    )
    first = GOOD.replace("  - name: recent\n", vip + "  - name: recent\n", 1)
    assert parse_offer_book(first).tiers[0].name == "vip"

    found = problems(GOOD.replace("  - name: late\n", vip + "  - name: late\n", 1))

    assert [(p.line, p.message) for p in found] == [
        (14, "tier 'vip' can never apply: tier 'recent' comes first")
    ]


def test_segment_only_book_has_no_fallback() -> None:
    text = GOOD.replace("{days_overdue: [1, 30]}", "{segment: a}").replace(
        "{days_overdue: [31, 100000]}", "{segment: b}"
    )

    found = problems(text)

    assert any("no tier applies to debtors without a segment" in p.message for p in found)


def test_not_yaml_and_empty() -> None:
    assert problems("tiers: [\n")[0].message.startswith("not valid YAML")
    assert problems("")[0] == Problem(None, "the book is empty")
    assert "must be a mapping" in problems("- 1\n")[0].message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(OfferBookError, match="cannot read the book"):
        load_offer_book(tmp_path / "nope.yml")


def test_load_reports_the_path(tmp_path: Path) -> None:
    path = tmp_path / "book.yml"
    path.write_text(edit("late_fee_percent: 2.0", "late_fee_percent: 3"), encoding="utf-8")

    with pytest.raises(OfferBookError) as caught:
        load_offer_book(path)

    assert str(caught.value).startswith(f"{path}:3: charges.late_fee_percent 3 %")
