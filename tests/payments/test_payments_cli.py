"""``quita payments sync`` and ``quita payments register-webhook`` against the stand-in PSP
over HTTP, configured only through the environment as in production."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.cli import main
from bot.config import load_settings
from bot.offers.book import load_offer_book
from bot.payments.charges import issue_charge
from bot.payments.pix_api import build_pix_api
from bot.payments.provider import charge_policy
from bot.payments.standin import StandInPsp
from bot.store.db import fresh_sqlite, make_engine, make_sessionmaker, transaction
from bot.store.portfolio import DebtorRecord, DebtRecord, PortfolioRepository
from bot.store.tables import Debt, PixReceived
from tests.payments.conftest import NOW
from tests.payments.http_standin import serve

PORT = 18171
SECRET = "pix-hook-0123456789abcdef"


@pytest.fixture
def psp_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StandInPsp:
    config = yaml.safe_load(Path("config.yml").read_text(encoding="utf-8"))
    config["payments"]["provider"] = "bacen_pix"
    config["identity_check"] = "none"
    (tmp_path / "config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    psp = StandInPsp(prefix="/api/v2")
    for name, value in {
        "QUITA_CONFIG": str(tmp_path / "config.yml"),
        "QUITA_DATABASE_URL": fresh_sqlite(tmp_path / "cli.db"),
        "QUITA_PUBLIC_URL": "https://quita.example.com.br",
        "PIX_API_BASE_URL": f"http://127.0.0.1:{PORT}/api/v2",
        "PIX_CLIENT_ID": psp.client_id,
        "PIX_CLIENT_SECRET": psp.client_secret,
        "PIX_WEBHOOK_SECRET": SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("QUITA_REDIS_URL", raising=False)
    return psp


def seed_charge(amount: str) -> str:
    """A debtor with a debt and a PIX charge at the stand-in; the charge's txid."""
    settings = load_settings()
    api = build_pix_api(
        base_url=settings.pix_api_base_url or "",
        client_id=settings.pix_client_id or "",
        client_secret=settings.pix_client_secret or "",
    )
    policy = charge_policy(settings, load_offer_book(Path(settings.offers.path)))
    engine = make_engine(settings.database_url)
    with transaction(make_sessionmaker(engine)) as session:
        repo = PortfolioRepository(session)
        debtor, _ = repo.upsert_debtor(
            DebtorRecord(ref="D-9", name="Ana Lima", phone="+5511990000199"), NOW
        )
        repo.upsert_debt(
            debtor,
            DebtRecord(
                ref="C-9", description="TV", amount=Decimal(amount), due=date(2026, 11, 12)
            ),
            NOW,
        )
        txid = issue_charge(
            session, api, policy, debtor=debtor, amount=Decimal(amount), reference="R9", now=NOW
        ).txid
    engine.dispose()
    api.close()
    return txid


def database_rows() -> tuple[str, list[str]]:
    engine = make_engine(load_settings().database_url)
    with transaction(make_sessionmaker(engine)) as session:
        status = session.scalar(select(Debt.status))
        sources = list(session.scalars(select(PixReceived.source)))
    engine.dispose()
    return str(status), sources


def test_sync_counts_a_pix_whose_webhook_never_came(
    psp_env: StandInPsp, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(psp_env, PORT):
        txid = seed_charge("300.00")
        psp_env.pay(txid, None, NOW + timedelta(minutes=30))  # no notification is sent
        since = (NOW - timedelta(hours=1)).isoformat()
        assert main(["payments", "sync", "--since", since]) == 0
        first = json.loads(capsys.readouterr().out)
        assert main(["payments", "sync", "--since", since]) == 0  # idempotent
        second = json.loads(capsys.readouterr().out)
    assert first == {"counted": {"paid": 1}, "rejected": 0}
    assert second == {"counted": {"duplicate": 1}, "rejected": 0}
    assert database_rows() == ("paid", ["sync"])
    assert ("GET", "/pix") in psp_env.requests


def test_sync_outside_the_window_counts_nothing(
    psp_env: StandInPsp, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(psp_env, PORT):
        txid = seed_charge("300.00")
        psp_env.pay(txid, None, NOW - timedelta(days=2))
        since = (NOW - timedelta(hours=1)).isoformat()
        until = (NOW + timedelta(hours=1)).isoformat()
        assert main(["payments", "sync", "--since", since, "--until", until]) == 0
    assert json.loads(capsys.readouterr().out) == {"counted": {}, "rejected": 0}
    assert database_rows() == ("open", [])


def test_register_webhook_puts_the_secret_url_at_the_psp(
    psp_env: StandInPsp, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(psp_env, PORT):
        assert main(["payments", "register-webhook"]) == 0
        monkeypatch.delenv("PIX_WEBHOOK_SECRET")
        assert main(["payments", "register-webhook"]) == 2  # no secret: nothing registered
    assert psp_env.webhooks == {
        "pagamentos@lojaexemplo.com.br": f"https://quita.example.com.br/webhooks/pix/{SECRET}"
    }
    out = capsys.readouterr()
    assert SECRET not in out.out  # the secret is never printed
    assert "PIX_WEBHOOK_SECRET" in out.err
