"""The agents' desk: what an agent (or a manager) does to a chat from the console.

Each action is one transaction (``bot.conversation.agents``) and a word to open consoles;
those that talk to the debtor or hand the chat back hold the chat's lock, so they never
interleave with the debtor's own turn.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from bot.conversation import agents, approvals
from bot.conversation.effects import TurnOutcome
from bot.runtime.wiring import Wiring

ActionResult = agents.ActionResult


class AgentDesk:
    def __init__(self, wiring: Wiring) -> None:
        self.w = wiring

    async def take(self, conversation_id: int, agent_id: int) -> None:
        now = self.w.clock.now()
        await self.w.run_in_transaction(
            lambda s: agents.agent_take(s, conversation_id, agent_id, now)
        )
        await self.w.notify(conversation_id, "taken")

    async def transfer(self, conversation_id: int, agent_id: int, to_agent_id: int) -> None:
        now = self.w.clock.now()
        await self.w.run_in_transaction(
            lambda s: agents.agent_transfer(s, conversation_id, agent_id, to_agent_id, now)
        )
        await self.w.notify(conversation_id, "taken")

    async def reply(
        self,
        conversation_id: int,
        agent_id: int,
        text: str,
        *,
        template: str | None = None,
        override_reason: str | None = None,
    ) -> int:
        now = self.w.clock.now()
        async with await self.w.hold_conversation(conversation_id):
            message_id = await self.w.run_in_transaction(
                lambda s: agents.agent_reply(
                    s,
                    conversation_id,
                    agent_id,
                    text,
                    now,
                    template=template,
                    override_reason=override_reason,
                )
            )
        self.w.after(TurnOutcome(queued=[message_id]))
        await self.w.notify(conversation_id, "message")
        return message_id

    async def release(
        self, conversation_id: int, agent_id: int, *, resume_message: bool = True
    ) -> None:
        w = self.w
        now = w.clock.now()
        async with await w.hold_conversation(conversation_id):
            outcome = await w.run_in_transaction(
                lambda s: agents.agent_release(
                    s, conversation_id, agent_id, now, w.deps, resume_message=resume_message
                )
            )
        w.after(outcome)
        await w.notify(conversation_id, "released")

    async def close(self, conversation_id: int, agent_id: int) -> None:
        now = self.w.clock.now()
        await self.w.run_in_transaction(
            lambda s: agents.agent_close(s, conversation_id, agent_id, now)
        )
        await self.w.notify(conversation_id, "closed")

    async def record_promise(
        self, conversation_id: int, agent_id: int, due: date, amount: Decimal
    ) -> ActionResult:
        w = self.w
        now = w.clock.now()
        result = await w.run_in_transaction(
            lambda s: agents.agent_record_promise(
                s, conversation_id, agent_id, due, amount, now, w.deps
            )
        )
        await w.notify(conversation_id, "promise")
        return result

    async def approve_agreement(
        self, conversation_id: int, agent_id: int, agreement_id: int
    ) -> None:
        w = self.w
        now = w.clock.now()
        await w.run_in_transaction(
            lambda s: agents.agent_approve_agreement(
                s, conversation_id, agent_id, agreement_id, now, w.deps
            )
        )
        w.wake_sender()
        await w.notify(conversation_id, "agreement")

    async def create_agreement(
        self,
        conversation_id: int,
        agent_id: int,
        installments: int,
        *,
        discount_percent: Decimal = Decimal("0"),
        first_due: date | None = None,
    ) -> ActionResult:
        w = self.w
        now = w.clock.now()
        result = await w.run_in_transaction(
            lambda s: agents.agent_create_agreement(
                s,
                conversation_id,
                agent_id,
                installments,
                now,
                w.deps,
                discount_percent=discount_percent,
                first_due=first_due,
            )
        )
        await w.notify(conversation_id, "agreement")
        return result

    async def resolve_dispute(
        self, conversation_id: int, agent_id: int, outcome: str
    ) -> ActionResult:
        now = self.w.clock.now()
        result = await self.w.run_in_transaction(
            lambda s: agents.agent_resolve_dispute(s, conversation_id, agent_id, outcome, now)
        )
        await self.w.notify(conversation_id, "dispute")
        return result

    async def mark_invalid(self, conversation_id: int, agent_id: int) -> None:
        now = self.w.clock.now()
        await self.w.run_in_transaction(
            lambda s: agents.agent_mark_invalid(s, conversation_id, agent_id, now)
        )
        await self.w.notify(conversation_id, "invalid")

    async def decide_request(
        self, request_id: int, manager_id: int, *, approve: bool, note: str = ""
    ) -> int:
        """A manager approves (does it now) or rejects an agent's request; the chat's id."""
        w = self.w
        now = w.clock.now()

        def work(session: Session) -> int:
            request = approvals.decide(
                session, request_id, manager_id, approve=approve, note=note, now=now,
                deps=w.deps,
            )  # fmt: skip
            return request.conversation_id

        conversation_id = await w.run_in_transaction(work)
        w.wake_sender()
        await w.notify(conversation_id, "approval")
        await w.live.publish("approvals", {"request_id": request_id})
        return conversation_id

    async def note(self, conversation_id: int, agent_id: int, text: str) -> None:
        now = self.w.clock.now()
        await self.w.run_in_transaction(
            lambda s: agents.add_note(s, conversation_id, agent_id, text, now)
        )
        await self.w.notify(conversation_id, "note", inbox=False)

    async def labels(self, conversation_id: int, agent_id: int, labels: list[str]) -> None:
        now = self.w.clock.now()
        await self.w.run_in_transaction(
            lambda s: agents.set_labels(s, conversation_id, agent_id, labels, now)
        )
        await self.w.notify(conversation_id, "labels")

    async def snooze(self, conversation_id: int, agent_id: int, until: datetime) -> None:
        now = self.w.clock.now()
        await self.w.run_in_transaction(
            lambda s: agents.snooze(s, conversation_id, agent_id, until, now)
        )
        await self.w.notify(conversation_id, "snoozed")

    async def seen(self, conversation_id: int, agent_id: int, last_id: int) -> None:
        await self.w.run_in_transaction(
            lambda s: agents.mark_seen(s, conversation_id, agent_id, last_id)
        )
