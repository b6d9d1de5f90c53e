"""A real app on SQLite and on PostgreSQL, with the Twilio and Telegram webhooks turned on.

Sends go to recording channels; a manager can log in to the dashboard.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from twilio.request_validator import RequestValidator

from bot.channels.recording import RecordingChannel
from bot.config import Settings, validate
from bot.core.clock import FixedClock
from bot.core.parse import Interpreter
from bot.runtime.service import Runtime, build_runtime
from bot.store.db import transaction, upgrade
from bot.store.portfolio import DebtorRecord, DebtRecord, PortfolioRepository
from bot.store.tables import User
from bot.web.app import build_app

PUBLIC = "https://quita.example"
TWILIO_TOKEN = "twilio-test-token"
TELEGRAM_SECRET = "tg-secret"
MANAGER = ("manager@faults", "manager-password-1")
NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # Monday 10:00 in São Paulo


@pytest.fixture(scope="session")
def interpreter() -> Interpreter:
    from bot.nlu import build_interpreter

    return build_interpreter(Settings())


@dataclass
class Stack:
    runtime: Runtime
    http: httpx.AsyncClient
    clock: FixedClock

    async def twilio(self, form: dict[str, str]) -> httpx.Response:
        url = PUBLIC + "/webhooks/twilio"
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
        return await self.http.post(
            "/webhooks/twilio", data=form, headers={"X-Twilio-Signature": signature}
        )

    async def telegram(self, update: dict[str, Any]) -> httpx.Response:
        return await self.http.post(
            "/webhooks/telegram",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        )

    async def log_in_manager(self) -> None:
        await self.http.get("/login")
        token = self.http.cookies.get("quita_csrf")
        response = await self.http.post(
            "/login", data={"email": MANAGER[0], "password": MANAGER[1], "csrf_token": token}
        )
        assert response.status_code == 303


def fault_settings(database_url: str, **extra: Any) -> Settings:
    data: dict[str, Any] = {
        "database_url": database_url,
        "public_url": PUBLIC,
        "identity_check": "none",
        "cadence": {"enabled": False},
        "secret_key": "faults-secret-key-0123456789-abcdefghijkl",
        "twilio_account_sid": "AC" + "0" * 32,
        "twilio_auth_token": TWILIO_TOKEN,
        "telegram_bot_token": "1:x",
        "telegram_webhook_secret": TELEGRAM_SECRET,
    }
    data.update(extra)
    return validate(data)


@pytest.fixture
async def stack(database_url: str, interpreter: Interpreter) -> AsyncIterator[Stack]:
    settings = fault_settings(database_url)
    upgrade(database_url)
    clock = FixedClock(NOW)
    channels = {name: RecordingChannel(name) for name in ("whatsapp", "telegram", "sms")}
    runtime = build_runtime(
        settings,
        clock=clock,
        channels=dict(channels),  # type: ignore[arg-type]
        interpreter=interpreter,
    )
    with transaction(runtime.db) as session:
        portfolio = PortfolioRepository(session)
        debtor, _ = portfolio.upsert_debtor(
            DebtorRecord(ref="D-1", name="Maria Souza", phone="+5511990000001"), NOW
        )
        portfolio.upsert_debt(
            debtor,
            DebtRecord(
                ref="C-1",
                description="Geladeira",
                amount=Decimal("600.00"),
                due=date(2026, 11, 10),
            ),
            NOW,
        )
        session.add(
            User(
                email=MANAGER[0],
                name="Gerente",
                role="manager",
                password_hash=PasswordHasher().hash(MANAGER[1]),
                language="pt",
                created_at=NOW,
            )
        )
    app = build_app(settings, runtime, background=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as http:
            yield Stack(runtime, http, clock)
    runtime.engine.dispose()
