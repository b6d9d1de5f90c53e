"""``quita db upgrade``, ``quita import``, ``quita demo`` and /healthz on a temporary SQLite."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.config import ENVIRONMENT, load_settings
from bot.store.db import make_engine, make_sessionmaker
from bot.store.portfolio import PortfolioRepository
from bot.store.tables import Debt, Debtor, User

HEADER = (
    "debtor_ref,name,phone,telegram_chat_id,language,document,debt_ref,description,amount,due_date"
)
GOOD = f"""{HEADER}
D-1,Maria Souza,(11) 99000-0001,,pt,529.982.247-25,C-1,Geladeira,"1.234,56",10/11/2026
D-2,João Pereira,+5511990000002,,pt,,C-2,Liquidificador,189.90,2026-11-12
"""
WITH_BAD = GOOD + "D-3,Ana,+5511990000003,,pt,,C-3,Sofá,320.00,31/02/2026\n"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """QUITA_CONFIG points at a config.yml whose database is a temporary SQLite file."""
    for variable in ENVIRONMENT:
        monkeypatch.delenv(variable, raising=False)
    url = f"sqlite:///{tmp_path / 'data' / 'quita.db'}"
    path = tmp_path / "config.yml"
    path.write_text(f'database_url: "{url}"\n', encoding="utf-8")
    monkeypatch.setenv("QUITA_CONFIG", str(path))
    return url


def csv_file(tmp_path: Path, text: str, name: str = "portfolio.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def count(url: str, model: type) -> int:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0
    finally:
        engine.dispose()


def test_import_portfolio(config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["import", "portfolio", csv_file(tmp_path, WITH_BAD)]) == 1
    out = capsys.readouterr().out
    assert "3 rows: 2 changed, 0 unchanged, 1 rejected" in out
    assert "line 4: date '31/02/2026' does not exist" in out
    assert count(config, Debtor) == 2

    assert main(["import", "portfolio", csv_file(tmp_path, GOOD)]) == 0
    assert "2 rows: 0 changed, 2 unchanged, 0 rejected" in capsys.readouterr().out
    assert count(config, Debt) == 2


def test_a_latin1_file_imports(config: str, tmp_path: Path) -> None:
    assert main(["db", "upgrade"]) == 0
    path = tmp_path / "latin1.csv"
    path.write_bytes(GOOD.encode("latin-1"))
    assert main(["import", "portfolio", str(path)]) == 0
    engine = make_engine(config)
    try:
        with make_sessionmaker(engine)() as session:
            joao = PortfolioRepository(session).debtor_by_ref("D-2")
            assert joao is not None
            assert joao.name == "João Pereira"
    finally:
        engine.dispose()


def test_quita_database_url_overrides_the_file(
    config: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    monkeypatch.setenv("QUITA_DATABASE_URL", other)
    assert main(["db", "upgrade"]) == 0
    assert main(["import", "portfolio", csv_file(tmp_path, GOOD)]) == 0
    assert count(other, Debtor) == 2
    assert not (tmp_path / "data" / "quita.db").exists()


def test_import_payments(config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["import", "portfolio", csv_file(tmp_path, GOOD)]) == 0
    payments = csv_file(
        tmp_path,
        "debt_ref,amount,paid_at\nC-2,189.90,2026-11-20\nC-404,10.00,2026-11-20\nC-1,abc,x\n",
        "payments.csv",
    )
    capsys.readouterr()
    assert main(["import", "payments", payments]) == 1
    out = capsys.readouterr().out
    assert "3 rows: 1 payments applied, 0 already recorded, 2 rejected" in out
    assert "line 3:" in out
    assert "line 4: amount 'abc' is not a number" in out
    assert main(["import", "payments", payments]) == 1
    assert "0 payments applied, 1 already recorded" in capsys.readouterr().out
    engine = make_engine(config)
    try:
        with make_sessionmaker(engine)() as session:
            debt = PortfolioRepository(session).debt_by_ref("C-2")
            assert debt is not None
            assert (debt.paid, debt.status) == (Decimal("189.90"), "paid")
    finally:
        engine.dispose()


def test_demo_loads_24_debtors_twice(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    assert "24 debtors" in capsys.readouterr().out
    assert main(["demo"]) == 0
    assert count(config, Debtor) == 24
    assert count(config, Debt) == 24
    assert count(config, User) == 2


async def test_healthz_and_readyz(config: str) -> None:
    import httpx

    from bot.runtime.service import build_runtime
    from bot.web.app import build_app

    assert main(["demo"]) == 0
    settings = load_settings()
    runtime = build_runtime(settings)
    app = build_app(settings, runtime, background=False)
    await runtime.start(background=False)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            health = await client.get("/healthz")
            assert (health.status_code, health.json()) == (200, {"status": "ok"})
            ready = await client.get("/readyz")
            assert ready.status_code == 200
            assert ready.json()["status"] == "ok"
    finally:
        await runtime.stop()
        runtime.engine.dispose()
