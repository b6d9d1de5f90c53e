"""Outreach: what the business starts — cadence reminders, confirmed payments, housekeeping.

The cadence (embedded scheduler, ``quita worker``, ``quita cadence run``) calls the ``_sync``
forms from its own thread; the web and the payment ways call the async ones.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from bot.cadence.deps import CadenceDeps
from bot.config import Settings
from bot.conversation import payments
from bot.conversation.turns import reminder_turn
from bot.runtime.wiring import Wiring


def privacy_housekeeping(session: Session, now: datetime, settings: Settings) -> None:
    """Wrong numbers leave their debtor; spent inbox rows and old console sessions go;
    bodies past the retention period are blanked."""
    from bot.store import privacy

    privacy.purge_wrong_numbers(session, now=now)
    privacy.prune_spent_rows(session, now=now)
    days = settings.privacy.message_retention_days
    if days:
        privacy.blank_old_bodies(session, now=now, days=days)


class Outreach:
    def __init__(self, wiring: Wiring) -> None:
        self.w = wiring

    def remind_sync(self, debtor_id: int, template: str, key: str, vars: dict[str, str]) -> bool:
        """Send one cadence reminder, at most once per ``key`` (enforced by the database)."""
        w = self.w
        now = w.clock.now()
        outcome = w.in_transaction(
            lambda s: reminder_turn(
                s,
                debtor_id=debtor_id,
                template=template,
                key=key,
                vars=vars,
                now=now,
                deps=w.deps,
            )
        )
        w.after(outcome)
        return outcome is not None

    async def remind(self, debtor_id: int, template: str, key: str, vars: dict[str, str]) -> bool:
        return await asyncio.to_thread(self.remind_sync, debtor_id, template, key, vars)

    async def confirm_payment(
        self,
        debt_ref: str,
        amount: Decimal,
        paid_at: datetime,
        *,
        source: str = "api",
        dedupe_key: str | None = None,
    ) -> bool:
        w = self.w
        key = dedupe_key or f"{source}:{debt_ref}:{amount}:{paid_at.isoformat()}"
        now = w.clock.now()
        outcome = await w.run_in_transaction(
            lambda s: payments.confirm_payment(
                s,
                debt_ref=debt_ref,
                amount=amount,
                paid_at=paid_at,
                source=source,
                dedupe_key=key,
                now=now,
                deps=w.deps,
            )
        )
        w.after(outcome)
        if outcome is not None:  # open chats, the inbox and dashboards show it at once
            await w.notify(outcome.conversation_id, "payment")
            await w.live.publish("payments", {"kind": "paid"})
        return outcome is not None

    def housekeeping_sync(
        self, now: datetime | None = None, *, loop: asyncio.AbstractEventLoop | None = None
    ) -> list[str]:
        """Break promises and agreements whose time has passed; fetch Pix the PSP has.
        ``loop`` runs the channels (a receipt is downloaded through its channel there)."""
        from bot.payments.service import periodic_sync

        w = self.w
        when = now or w.clock.now()
        changed = w.in_transaction(
            lambda s: payments.expire_promises_and_agreements(s, when, w.deps)
        )
        w.in_transaction(lambda s: privacy_housekeeping(s, when, w.settings))
        return changed + periodic_sync(w, when, loop=loop)  # Pix whose webhook never came

    async def housekeeping(self) -> list[str]:
        loop = asyncio.get_running_loop()
        return await asyncio.to_thread(lambda: self.housekeeping_sync(loop=loop))

    def cadence_deps(self) -> CadenceDeps:
        """What a cadence pass needs: the embedded scheduler, ``quita worker`` and
        ``quita cadence run`` all run this same pass (housekeeping first)."""
        w = self.w
        return CadenceDeps(
            sessions=w.db,
            settings=w.settings,
            clock=w.clock,
            remind=self.remind_sync,
            before_pass=self.housekeeping_sync,
        )
