"""Portfolio and payments CSV import: field parsing, bad rows, idempotence (both databases)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.store.db import transaction
from bot.store.importer import (
    RowError,
    import_portfolio,
    normalise_phone,
    parse_amount,
    parse_date,
    read_payments,
    read_portfolio,
    valid_cpf,
)
from bot.store.portfolio import PortfolioRepository
from bot.store.tables import Contact, Debt, Debtor

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
HEADER = (
    "debtor_ref,name,phone,telegram_chat_id,language,document,debt_ref,description,amount,due_date"
)
PORTFOLIO = f"""{HEADER}
D-1,Maria Souza,(11) 99000-0001,,pt,529.982.247-25,C-1,Geladeira,"1.234,56",10/11/2026
D-2,João Pereira,+55 11 99000-0002,,pt-BR,,C-2,Liquidificador,189.90,2026-11-12
D-3,Ana Oliveira,+5511990000003,,pt,,C-3,Sofá,abc,2026-11-12
D-4,Carlos Santos,+5511990000004,,pt,,C-4,Guarda-roupa,450.00,31/02/2026
D-5,,+5511990000005,,pt,,C-5,Micro-ondas,249.90,2026-11-12
D-6,Fernanda Lima,+5511990000006,,pt,111.111.111-11,C-6,Smart TV,1250.50,2026-11-12
D-7,Paulo Ribeiro,123,,pt,,C-7,Ventilador,89.90,2026-11-12
D-8,Juliana Costa,+5511990000008,,es,,C-8,Colchão,720.00,2026-11-12
D-9,Mary Johnson,,987654321,en,,C-9,Washing machine,"R$ 1.234,56",2026-12-01
D-1,Maria Souza,(11) 99000-0001,,pt,529.982.247-25,C-10,Fogão,980.00,2026-12-10
"""
BAD_ROWS = [
    (4, "amount 'abc' is not a number"),
    (5, "date '31/02/2026' does not exist"),
    (6, "name is empty"),
    (7, "document '111.111.111-11' is not a valid CPF"),
    (8, "phone '123' is not a valid number (use +55 11 91234-5678)"),
    (9, "language 'es' is not pt or en"),
]


def counts(db: sessionmaker[Session]) -> tuple[int, int, int]:
    with db() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Debtor, Debt, Contact)
        )


def test_good_rows_kept_bad_rows_reported_second_import_changes_nothing(
    db: sessionmaker[Session],
) -> None:
    with transaction(db) as session:
        first = import_portfolio(session, PORTFOLIO, NOW)
    assert first.errors == BAD_ROWS
    assert (first.rows, first.created_or_updated, first.unchanged) == (10, 4, 0)
    assert not first.ok
    assert "line 5: date '31/02/2026' does not exist" in first.summary()
    assert counts(db) == (3, 4, 5)  # Maria and João: whatsapp + sms; Mary: telegram

    with db() as session:
        repo = PortfolioRepository(session)
        maria = repo.debtor_by_ref("D-1")
        assert maria is not None
        assert (maria.name, maria.language, maria.document) == (
            "Maria Souza",
            "pt",
            "529.982.247-25",
        )
        assert [(d.ref, d.amount, d.due_date) for d in repo.debts_of(maria.id)] == [
            ("C-1", Decimal("1234.56"), date(2026, 11, 10)),
            ("C-10", Decimal("980.00"), date(2026, 12, 10)),
        ]
        assert repo.contact("whatsapp", "+5511990000001") is not None
        joao = repo.debtor_by_ref("D-2")
        assert joao is not None
        assert joao.language == "pt"
        mary = repo.debt_by_ref("C-9")
        assert mary is not None
        assert mary.amount == Decimal("1234.56")
        assert repo.contact("telegram", "987654321") is not None

    with transaction(db) as session:
        second = import_portfolio(session, PORTFOLIO, NOW + timedelta(days=1))
    assert second.errors == BAD_ROWS
    assert (second.created_or_updated, second.unchanged) == (0, 4)
    assert "0 changed, 4 unchanged, 6 rejected" in second.summary()
    assert counts(db) == (3, 4, 5)


def test_a_changed_row_is_reported_as_changed(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        import_portfolio(session, PORTFOLIO, NOW)
    edited = PORTFOLIO.replace("189.90,2026-11-12", "199.90,2026-11-12")
    with transaction(db) as session:
        report = import_portfolio(session, edited, NOW)
    assert (report.created_or_updated, report.unchanged) == (1, 3)
    with db() as session:
        debt = PortfolioRepository(session).debt_by_ref("C-2")
        assert debt is not None
        assert debt.amount == Decimal("199.90")


def test_missing_columns_reject_the_file(db: sessionmaker[Session]) -> None:
    text = "debtor_ref,name,phone,debt_ref,due_date\nD-1,Maria,+5511990000001,C-1,2026-11-10\n"
    with transaction(db) as session:
        report = import_portfolio(session, text, NOW)
    assert report.errors == [
        (1, "missing columns: telegram_chat_id, language, document, description, amount")
    ]
    assert report.rows == 0
    assert counts(db) == (0, 0, 0)


def test_a_debt_of_another_debtor_is_a_bad_row_not_a_crash(db: sessionmaker[Session]) -> None:
    text = f"""{HEADER}
D-1,Maria Souza,+5511990000001,,pt,,C-1,Geladeira,600.00,2026-11-10
D-2,João Pereira,+5511990000002,,pt,,C-1,Geladeira,600.00,2026-11-10
D-3,Ana Oliveira,+5511990000003,,pt,,C-3,Sofá,320.00,2026-11-10
"""
    with transaction(db) as session:
        report = import_portfolio(session, text, NOW)
    assert report.errors == [(3, "debt_ref 'C-1' already appears on line 2")]
    assert report.created_or_updated == 2
    later = f"""{HEADER}
D-2,João Pereira,+5511990000002,,pt,,C-1,Geladeira,600.00,2026-11-10
"""
    with transaction(db) as session:
        report = import_portfolio(session, later, NOW)
    assert report.errors == [(2, "debt C-1 already belongs to another debtor")]
    with db() as session:
        assert PortfolioRepository(session).debtor_by_ref("D-2") is None  # rolled back
    assert counts(db) == (2, 2, 4)


def test_line_numbers_count_the_header_and_skip_blank_lines() -> None:
    text = f"\ufeff{HEADER}\nD-1,Maria,+5511990000001,,pt,,C-1,,100,2026-11-10\n\nD-2,,,,,,,,,\n"
    rows, errors = read_portfolio(text)
    assert [row.line for row in rows] == [2]
    assert errors == [(4, "name is empty")]


def test_a_debtor_without_any_contact_is_refused() -> None:
    _, errors = read_portfolio(f"{HEADER}\nD-1,Maria,,,pt,,C-1,,100,2026-11-10\n")
    assert errors == [(2, "no phone and no telegram_chat_id: the debtor cannot be reached")]


# --- fields ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("R$ 1.234,56", "1234.56"),
        ("R$1234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1.234.567,89", "1234567.89"),
        ("1.234", "1234.00"),
        ("150", "150.00"),
        ("0,01", "0.01"),
        (" 12,5 ", "12.50"),
    ],
)
def test_parse_amount(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)
    assert str(parse_amount(text)) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("abc", "not a number"),
        ("1e3", "not a number"),
        ("NaN", "not a number"),
        ("0", "must be positive"),
        ("-10,00", "must be positive"),
        ("1.234,567", "more than two decimal places"),
        ("10.0055", "more than two decimal places"),
        ("0.001", "more than two decimal places"),
        ("9" * 30, "too large"),
    ],
)
def test_parse_amount_refuses(text: str, reason: str) -> None:
    with pytest.raises(RowError, match=reason):
        parse_amount(text)


def brazilian(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


@given(
    value=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999999.99"), places=2),
    style=st.sampled_from(["br", "us", "br_plain", "us_plain", "br_currency"]),
)
def test_formatting_then_parsing_gives_the_same_amount(value: Decimal, style: str) -> None:
    text = {
        "br": brazilian(value),
        "us": f"{value:,.2f}",
        "br_plain": f"{value:.2f}".replace(".", ","),
        "us_plain": f"{value:.2f}",
        "br_currency": "R$ " + brazilian(value),
    }[style]
    assert parse_amount(text) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-10", date(2026, 11, 10)),
        ("10/11/2026", date(2026, 11, 10)),
        ("1/2/2026", date(2026, 2, 1)),
        (" 29/02/2028 ", date(2028, 2, 29)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31/02/2026", "does not exist"),
        ("2026-02-30", "does not exist"),
        ("10-11-2026", "is not YYYY-MM-DD or dd/mm/yyyy"),
        ("11/10/26", "is not YYYY-MM-DD or dd/mm/yyyy"),
        ("", "is not YYYY-MM-DD or dd/mm/yyyy"),
    ],
)
def test_parse_date_refuses(text: str, reason: str) -> None:
    with pytest.raises(RowError, match=reason):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(11) 99000-0001", "+5511990000001"),
        ("11 4000-1234", "+551140001234"),
        ("5511990000001", "+5511990000001"),
        ("+55 11 99000-0001", "+5511990000001"),
        ("+1 (555) 010-0001", "+15550100001"),
    ],
)
def test_normalise_phone(text: str, expected: str) -> None:
    assert normalise_phone(text) == expected


@pytest.mark.parametrize("text", ["123", "+12", "990000001", "+1234567890123456"])
def test_normalise_phone_refuses(text: str) -> None:
    with pytest.raises(RowError, match="phone"):
        normalise_phone(text)


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("529.982.247-25", True),
        ("52998224725", True),
        ("529.982.247-24", False),
        ("111.111.111-11", False),
        ("123", False),
    ],
)
def test_valid_cpf(text: str, valid: bool) -> None:
    assert valid_cpf(text) is valid


def test_read_payments() -> None:
    text = """debt_ref,amount,paid_at
C-1,"1.234,56",2026-11-20
C-2,100.00,2026-11-20T15:30:00-03:00
C-3,100.00,20/11/2026
C-4,abc,2026-11-20
C-5,100.00,
C-6,50,2026-11-20 09:00
"""
    rows, errors = read_payments(text, "America/Sao_Paulo")
    brt = timezone(timedelta(hours=-3))
    assert [(r.line, r.debt_ref, r.amount, r.paid_at) for r in rows] == [
        (2, "C-1", Decimal("1234.56"), datetime(2026, 11, 20, 12, tzinfo=brt)),
        (3, "C-2", Decimal("100.00"), datetime(2026, 11, 20, 15, 30, tzinfo=brt)),
        (4, "C-3", Decimal("100.00"), datetime(2026, 11, 20, 12, tzinfo=brt)),
        (7, "C-6", Decimal("50.00"), datetime(2026, 11, 20, 9, tzinfo=brt)),
    ]
    assert all(r.paid_at.tzinfo is not None for r in rows)
    assert errors == [(5, "amount 'abc' is not a number"), (6, "paid_at is empty")]


def test_read_payments_needs_its_columns() -> None:
    with pytest.raises(RowError, match="missing columns: paid_at"):
        read_payments("debt_ref,amount\nC-1,10\n", "America/Sao_Paulo")


# --- birth_date (optional column) ------------------------------------------------------------

BIRTH_HEADER = HEADER + ",birth_date"


def test_birth_date_is_optional_and_read_in_both_formats() -> None:
    text = (
        f"{BIRTH_HEADER}\n"
        "D-1,Mary,,987654321,en,,C-1,,100,2026-11-10,25/03/1984\n"
        "D-2,John,,987654322,en,,C-2,,100,2026-11-10,1991-11-02\n"
        "D-3,Ana,,987654323,pt,,C-3,,100,2026-11-10,\n"
    )
    rows, errors = read_portfolio(text, today=NOW.date())
    assert errors == []
    assert [row.debtor.birth_date for row in rows] == [date(1984, 3, 25), date(1991, 11, 2), None]
    old_file, _ = read_portfolio(f"{HEADER}\nD-1,Mary,,987654321,en,,C-1,,100,2026-11-10\n")
    assert old_file[0].debtor.birth_date is None  # files without the column import as before


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("31/02/1980", "date '31/02/1980' does not exist"),
        ("1980/03/25", "date '1980/03/25' is not YYYY-MM-DD or dd/mm/yyyy"),
        ("01/01/1850", "birth_date '01/01/1850' is not a plausible birth date"),
        ("01/01/2027", "birth_date '01/01/2027' is not a plausible birth date"),
    ],
)
def test_an_impossible_birth_date_refuses_the_row(value: str, reason: str) -> None:
    text = f"{BIRTH_HEADER}\nD-1,Mary,,987654321,en,,C-1,,100,2026-11-10,{value}\n"
    rows, errors = read_portfolio(text, today=NOW.date())
    assert (rows, errors) == ([], [(2, reason)])


def test_birth_date_is_stored_and_a_second_import_changes_nothing(
    db: sessionmaker[Session],
) -> None:
    text = f"{BIRTH_HEADER}\nD-1,Mary,,987654321,en,,C-1,,100,2026-11-10,25/03/1984\n"
    with transaction(db) as session:
        first = import_portfolio(session, text, NOW)
    with transaction(db) as session:
        second = import_portfolio(session, text, NOW)
    assert first.errors == second.errors == []
    with db() as session:
        debtor = PortfolioRepository(session).debtor_by_ref("D-1")
        assert debtor is not None
        assert debtor.birth_date == date(1984, 3, 25)
    assert (second.created_or_updated, second.unchanged) == (0, 1)
