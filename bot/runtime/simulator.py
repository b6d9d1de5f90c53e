"""The web chat simulator of the demo: a debtor's message, or a reminder, sent at once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.conversation.effects import TurnOutcome
from bot.conversation.turns import reminder_turn
from bot.core.domain import InboundMessage
from bot.runtime.inbound import Inbound
from bot.runtime.wiring import Wiring


class Simulator:
    def __init__(self, wiring: Wiring, inbound: Inbound) -> None:
        self.w = wiring
        self.inbound = inbound

    async def send(self, address: str, text: str, *, provider_id: str) -> bool:
        """A message typed in the web simulator, as if from the debtor's phone."""
        msg = InboundMessage(
            channel="web",
            address=address,
            provider_id=provider_id,
            text=text[:4000],
            received_at=self.w.clock.now(),
        )
        accepted = await self.inbound.receive(msg)
        await self.w.drain_outbox()
        return accepted

    async def reminder(self, address: str) -> str | None:
        """The demo's "receive a reminder" button: the reminder that fits this simulator
        debtor now, sent at once to the web chat. Returns the template, or None."""
        from bot.conversation.reminders import reminder_for_now
        from bot.store.portfolio import PortfolioRepository

        w = self.w
        now = w.clock.now()

        def work(session: Session) -> tuple[str | None, TurnOutcome | None]:
            contact = PortfolioRepository(session).contact("web", address)
            if contact is None or contact.debtor_id is None:
                return None, None
            planned = reminder_for_now(session, contact.debtor_id, now, w.settings)
            if planned is None:
                return None, None
            _at, template = planned
            outcome = reminder_turn(
                session,
                debtor_id=contact.debtor_id,
                template=template,
                key=f"simulator:{address}:{now.isoformat()}",
                vars={},
                now=now,
                deps=w.deps,
                contact=contact,
                respect_contact_hours=False,  # the demo button sends at once
            )
            return template, outcome

        template, outcome = await w.run_in_transaction(work)
        w.after(outcome)
        await w.drain_outbox()
        return template
