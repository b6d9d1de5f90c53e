"""Helpers for runtime tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bot.runtime.service import Runtime
from bot.store.portfolio import DebtorRecord, DebtRecord, PortfolioRepository


def add_debtor(
    runtime: Runtime,
    *,
    ref: str = "D-1",
    name: str = "Maria Souza",
    phone: str = "+5511990000001",
    amount: str = "450.00",
    due: date = date(2026, 11, 12),
    language: str = "pt",
) -> int:
    def work(session: Any) -> int:
        repo = PortfolioRepository(session)
        now = runtime.clock.now()
        debtor, _ = repo.upsert_debtor(
            DebtorRecord(ref=ref, name=name, language=language, phone=phone), now
        )
        repo.upsert_debt(
            debtor,
            DebtRecord(ref=f"{ref}-1", description="Geladeira", amount=Decimal(amount), due=due),
            now,
        )
        return debtor.id

    return runtime.in_transaction(work)
