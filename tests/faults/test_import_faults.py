"""Item 10: imports report bad rows and keep good ones, whatever the file looks like.

A field longer than its column used to fail the whole file on PostgreSQL with a traceback
that printed names and phones; Excel's ';' files and UTF-16/Windows-1252 encodings were not
read; a missing file was a traceback; big files gave no progress and took minutes; a
payment far above the balance was applied.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from bot.config import ENVIRONMENT
from bot.store.db import make_engine, make_sessionmaker, transaction, upgrade
from bot.store.importer import import_portfolio
from bot.store.tables import Contact, Debt, Debtor, Payment

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
HEADER = (
    "debtor_ref,name,phone,telegram_chat_id,language,document,debt_ref,description,amount,due_date"
)


@pytest.fixture
def db(database_url: str) -> Iterator[sessionmaker[Session]]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def counts(db: sessionmaker[Session]) -> tuple[int, int, int]:
    with db() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Debtor, Debt, Contact)
        )


def test_a_field_longer_than_its_column_is_a_row_error(db: sessionmaker[Session]) -> None:
    secret_name = "Fulano Secreto " + "x" * 300
    text = (
        f"{HEADER}\n"
        "D-1,Maria Souza,+5511990000001,,pt,,C-1,Geladeira,600.00,2026-11-10\n"
        f"D-2,{secret_name},+5511990000002,,pt,,C-2,TV,100.00,2026-11-10\n"
        f"D-3,Ana,+5511990000003,,pt,,C-3,{'d' * 201},50.00,2026-11-10\n"
        "D-4,João,+5511990000004,,pt,,C-4,Sofá,320.00,2026-11-10\n"
    )
    with transaction(db) as session:
        report = import_portfolio(session, text, NOW)
    assert report.errors == [
        (3, "name is longer than 200 characters"),
        (4, "description is longer than 200 characters"),
    ]
    assert report.created_or_updated == 2
    assert counts(db) == (2, 2, 4)
    assert "Fulano" not in report.summary()


@pytest.mark.postgres
def test_what_the_database_still_refuses_is_reported_by_line_without_pii(
    postgres_server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the checks (here: switched off), PostgreSQL's refusal is one row's error."""
    from sqlalchemy import text as sql

    engine = make_engine(postgres_server_url)
    with engine.begin() as conn:
        conn.execute(sql("DROP SCHEMA public CASCADE"))
        conn.execute(sql("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(postgres_server_url)
    engine = make_engine(postgres_server_url)
    db = make_sessionmaker(engine)
    monkeypatch.setattr("bot.store.importer.MAX_LENGTH", {})
    text = (
        f"{HEADER}\n"
        "D-1,Maria Souza,+5511990000001,,pt,,C-1,Geladeira,600.00,2026-11-10\n"
        f"D-2,Fulano {'y' * 300},+5511990000002,,pt,,C-2,TV,100.00,2026-11-10\n"
        "D-3,Ana,+5511990000003,,pt,,C-3,Sofá,320.00,2026-11-10\n"
    )
    with transaction(db) as session:
        report = import_portfolio(session, text, NOW)
    engine.dispose()
    assert [line for line, _reason in report.errors] == [3]
    reason = report.errors[0][1]
    assert reason.startswith("the database refused the row")
    assert "Fulano" not in reason
    assert "+5511990000002" not in reason
    assert report.created_or_updated == 2


def test_a_second_run_changes_nothing_and_a_later_row_wins(db: sessionmaker[Session]) -> None:
    text = (
        f"{HEADER}\n"
        "D-1,Maria Souza,+5511990000001,,pt,,C-1,Geladeira,600.00,2026-11-10\n"
        "D-1,Maria Souza,+5511990000009,,pt,,C-2,Fogão,300.00,2026-11-12\n"
        "D-2,João,+5511990000002,,pt,,C-3,TV,100.00,2026-11-10\n"
    )
    with transaction(db) as session:
        first = import_portfolio(session, text, NOW)
    with transaction(db) as session:
        second = import_portfolio(session, text, NOW)
    assert (first.created_or_updated, first.unchanged) == (3, 0)
    assert (second.created_or_updated, second.unchanged) == (0, 3)
    assert counts(db) == (2, 3, 6)
    moved = (
        f"{HEADER}\n"
        "D-1,Maria S. Lima,+5511990000001,,pt,,C-1,Geladeira,600.00,2026-11-10\n"
        "D-2,João,+5511990000001,,pt,,C-3,TV,100.00,2026-11-10\n"
    )
    with transaction(db) as session:
        import_portfolio(session, moved, NOW)
    with db() as session:
        maria = session.scalar(select(Debtor).where(Debtor.ref == "D-1"))
        assert maria is not None
        assert maria.name == "Maria S. Lima"
        owner = session.scalar(
            select(Debtor.ref)
            .join(Contact, Contact.debtor_id == Debtor.id)
            .where(Contact.channel == "whatsapp", Contact.address == "+5511990000001")
        )
        assert owner == "D-2", "the phone moved to the debtor of the later row"


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for variable in ENVIRONMENT:
        monkeypatch.delenv(variable, raising=False)
    url = f"sqlite:///{tmp_path / 'quita.db'}"
    (tmp_path / "config.yml").write_text(f'database_url: "{url}"\n', encoding="utf-8")
    monkeypatch.setenv("QUITA_CONFIG", str(tmp_path / "config.yml"))
    assert main(["db", "upgrade"]) == 0
    return url


EXCEL_ROWS = (
    "debtor_ref;name;phone;telegram_chat_id;language;document;debt_ref;description;amount;"
    "due_date\r\n"
    "D-1;José Conceição;(11) 99000-0001;;pt;;C-1;Geladeira Frost Free;1.234,56;10/11/2026\r\n"
    "D-2;Ana Gonçalves;(11) 99000-0002;;pt;;C-2;Colchão;189,90;12/11/2026\r\n"
)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8-sig", "utf-16-le"])
def test_brazilian_excel_files_semicolons_and_encodings(
    project: str, tmp_path: Path, encoding: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "carteira.csv"
    path.write_bytes(EXCEL_ROWS.encode(encoding))
    assert main(["import", "portfolio", str(path)]) == 0
    assert "2 rows: 2 changed, 0 unchanged, 0 rejected" in capsys.readouterr().out
    engine = make_engine(project)
    with make_sessionmaker(engine)() as session:
        names = sorted(session.scalars(select(Debtor.name)))
        amounts = sorted(session.scalars(select(Debt.amount)))
    engine.dispose()
    assert names == ["Ana Gonçalves", "José Conceição"]
    assert amounts == [Decimal("189.90"), Decimal("1234.56")]


@pytest.mark.usefixtures("project")
def test_a_missing_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "portfolio", str(tmp_path / "nope.csv")]) == 2
    assert main(["import", "payments", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"quita import: {tmp_path / 'nope.csv'}: no such file",
        f"quita import: {tmp_path}: is a directory, not a CSV file",
    ]


@pytest.mark.usefixtures("project")
def test_progress_on_stderr_for_a_large_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [HEADER] + [
        f"D-{n},Cliente {n},+55119{n:08d},,pt,,C-{n},Compra,10.00,2026-11-10" for n in range(6000)
    ]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["import", "portfolio", str(path)]) == 0
    captured = capsys.readouterr()
    assert "6000 rows: 6000 changed" in captured.out
    progress = [line for line in captured.err.splitlines() if line.startswith("importing:")]
    assert progress[-1] == "importing: 6,000/6,000 rows (100%)"
    assert len(progress) >= 2


def test_a_payment_far_above_the_balance_is_flagged_not_applied(
    project: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    portfolio = tmp_path / "p.csv"
    portfolio.write_text(
        f"{HEADER}\nD-1,Maria,+5511990000001,,pt,,C-1,Geladeira,600.00,2026-11-10\n"
        "D-2,João,+5511990000002,,pt,,C-2,TV,100.00,2026-11-10\n",
        encoding="utf-8",
    )
    assert main(["import", "portfolio", str(portfolio)]) == 0
    payments = tmp_path / "pay.csv"
    payments.write_text(
        "debt_ref,amount,paid_at\nC-1,60000.00,2026-11-20\nC-2,100.00,2026-11-20\n",
        encoding="utf-8",
    )
    assert main(["import", "payments", str(payments)]) == 1
    out = capsys.readouterr().out
    assert "1 payments applied" in out
    assert "line 2: amount 60000.00 is far above the open balance 600.00" in out
    engine = make_engine(project)
    with make_sessionmaker(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Payment)) == 1
    engine.dispose()
