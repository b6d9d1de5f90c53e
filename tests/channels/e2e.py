"""Helpers for the end-to-end channel tests: a real Runtime and app on a SQLite file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bot.config import Settings, validate
from bot.core.clock import FixedClock
from bot.store.db import transaction, upgrade
from bot.store.portfolio import DebtorRecord, DebtRecord, PortfolioRepository

PUBLIC = "https://quita.example"
PHONE = "+5511990000001"


def e2e_settings(database_url: str, **extra: Any) -> Settings:
    data: dict[str, Any] = {
        "database_url": database_url,
        "public_url": PUBLIC,
        "identity_check": "none",
        "cadence": {"enabled": False},
        "channels": {
            "telegram": {"per_chat_per_second": 1000, "messages_per_second": 1000},
            "twilio": {"messages_per_second": 1000, "templates": {"overdue": "HX" + "0" * 32}},
            "send_backoff_seconds": 0.01,
        },
    }
    data.update(extra)
    upgrade(database_url)
    return validate(data)


def add_debtor(runtime: Any, clock: FixedClock, *, telegram_chat_id: str | None = None) -> str:
    """Maria, owing R$ 600; returns her /start link token."""
    with transaction(runtime.db) as session:
        portfolio = PortfolioRepository(session)
        debtor, _ = portfolio.upsert_debtor(
            DebtorRecord(
                ref="D-1", name="Maria Souza", phone=PHONE, telegram_chat_id=telegram_chat_id
            ),
            clock.now(),
        )
        portfolio.upsert_debt(
            debtor,
            DebtRecord(
                ref="C-1001",
                description="Geladeira",
                amount=Decimal("600.00"),
                due=date(2026, 11, 10),
            ),
            clock.now(),
        )
        return str(debtor.link_token)
