"""Issue 13 items 1 and 2, against the real app (SQLite, and PostgreSQL + Redis).

1. Agents act only within the offer book (the bot's maths); beyond it an approval request a
   manager decides in the console, with the approver recorded; only the holder (or a
   manager) releases or closes a held chat.
2. No message goes to an opted-out or invalid contact; a manager may override only with a
   legal reason, which is recorded.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from bot.store.tables import (
    Agreement,
    ApprovalRequest,
    Contact,
    Conversation,
    Debt,
    Event,
    Message,
    Promise,
    User,
)
from bot.web.security import hash_password
from tests.security.conftest import Stack, log_in
from tests.web.conftest import AGENT, MANAGER

CARLOS = "demo-demo-004"  # R$ 450,00, a few days late
RICARDO = "demo-demo-012"  # R$ 2.100,00, two months late (the example)
RENATA = "demo-demo-019"  # disputed
OTHER_AGENT = ("bia@demo", "bia-password-123")


@contextlib.asynccontextmanager
async def _staff(stack: Stack, who: tuple[str, str], ip: str) -> AsyncIterator[httpx.AsyncClient]:
    async with stack.client(ip=ip) as client:
        assert (await log_in(client, *who)).status_code == 303
        yield client


def _csrf(client: httpx.AsyncClient) -> str:
    token = client.cookies.get("quita_csrf")
    assert token
    return token


async def _say(client: httpx.AsyncClient, address: str, text: str) -> None:
    response = await client.post(
        "/simulator/send",
        json={"address": address, "text": text},
        headers={"X-CSRF-Token": _csrf(client)},
    )
    assert response.status_code == 200, response.text


def _conversation(stack: Stack, address: str) -> int:
    def work(session: Any) -> int:
        found = session.scalar(
            select(Conversation.id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Contact.address == address)
        )
        assert found is not None
        return int(found)

    return stack.runtime.in_transaction(work)


async def _handed_off(stack: Stack, client: httpx.AsyncClient, address: str) -> int:
    await _say(client, address, "quero falar com uma pessoa")
    return _conversation(stack, address)


async def _post(client: httpx.AsyncClient, path: str, **data: str) -> httpx.Response:
    return await client.post(path, data={"csrf_token": _csrf(client), **data})


def _rows(stack: Stack, model: Any, *where: Any) -> list[Any]:
    return stack.runtime.in_transaction(lambda s: list(s.scalars(select(model).where(*where))))


def _add_agent(stack: Stack) -> int:
    def work(session: Any) -> int:
        user = User(
            email=OTHER_AGENT[0],
            name="Bia",
            role="agent",
            password_hash=hash_password(OTHER_AGENT[1]),
            language="pt",
            created_at=stack.runtime.clock.now(),
        )
        session.add(user)
        session.flush()
        return int(user.id)

    return stack.runtime.in_transaction(work)


def _debtor_id(stack: Stack, conversation_id: int) -> int:
    return stack.runtime.in_transaction(
        lambda s: int(s.get(Conversation, conversation_id).debtor_id)
    )


async def test_an_agent_who_has_not_taken_the_chat_cannot_settle_it(stack: Stack) -> None:
    async with _staff(stack, AGENT, "203.0.113.21") as agent:
        chat = await _handed_off(stack, agent, RICARDO)
        # R$ 2.100 settled for R$ 0,22: refused outright, the chat is not the agent's
        response = await _post(
            agent, f"/console/c/{chat}/agreement", installments="1", discount_percent="99.99"
        )
        assert response.status_code == 403
        promise = await _post(agent, f"/console/c/{chat}/promise", due="2030-01-02", amount="0,01")
        assert promise.status_code == 403
    debtor = _debtor_id(stack, chat)
    assert (
        _rows(stack, Agreement, Agreement.debtor_id == debtor, Agreement.offer_id == "agent") == []
    )
    assert (
        _rows(stack, Promise, Promise.debtor_id == debtor, Promise.amount == Decimal("0.01")) == []
    )
    assert _rows(stack, ApprovalRequest) == []


async def test_a_discount_beyond_the_book_waits_for_a_manager_who_is_recorded(
    stack: Stack,
) -> None:
    async with (
        _staff(stack, AGENT, "203.0.113.22") as agent,
        _staff(stack, MANAGER, "203.0.113.23") as manager,
    ):
        chat = await _handed_off(stack, agent, RICARDO)
        assert (await _post(agent, f"/console/c/{chat}/take")).status_code == 303
        asked = await _post(
            agent, f"/console/c/{chat}/agreement", installments="1", discount_percent="99.99"
        )
        assert asked.status_code == 303
        assert asked.headers["location"].endswith("done=approval")
        debtor = _debtor_id(stack, chat)
        assert _rows(stack, Agreement, Agreement.debtor_id == debtor) == []
        (request,) = _rows(stack, ApprovalRequest)
        assert (request.kind, request.status, request.why) == (
            "agreement",
            "pending",
            "discount_beyond_book",
        )
        # an agent cannot approve it, a manager sees it in the queue and approves it
        refused = await _post(agent, f"/console/approvals/{request.id}/approve")
        assert refused.status_code == 403
        queue = await manager.get("/console/approvals")
        assert f'data-request="{request.id}"' in queue.text
        approved = await _post(manager, f"/console/approvals/{request.id}/approve")
        assert approved.status_code == 303
    manager_id = stack.runtime.in_transaction(
        lambda s: s.scalar(select(User.id).where(User.email == MANAGER[0]))
    )
    (agreement,) = _rows(stack, Agreement, Agreement.debtor_id == debtor)
    assert agreement.status == "active"
    assert agreement.approved_by == manager_id
    assert agreement.total < Decimal("1.00")  # what the agent asked for, now approved
    (decided,) = _rows(stack, ApprovalRequest)
    assert (decided.status, decided.decided_by) == ("approved", manager_id)


async def test_within_the_book_an_agent_acts_at_once(stack: Stack) -> None:
    async with _staff(stack, AGENT, "203.0.113.24") as agent:
        chat = await _handed_off(stack, agent, CARLOS)
        await _post(agent, f"/console/c/{chat}/take")
        # the book's 3x plan waives the charges (R$ 450,00); 5 % off the updated balance
        # goes below it, so that is a manager's call
        beyond = await _post(
            agent, f"/console/c/{chat}/agreement", installments="3", discount_percent="5"
        )
        assert beyond.headers["location"].endswith("done=approval")
        made = await _post(
            agent, f"/console/c/{chat}/agreement", installments="3", discount_percent="0"
        )
        assert made.headers["location"].endswith("done=1")
        debtor = _debtor_id(stack, chat)
        (agreement,) = _rows(stack, Agreement, Agreement.debtor_id == debtor)
        assert agreement.status == "active"
        assert agreement.installments == 3
    (request,) = _rows(stack, ApprovalRequest)
    assert request.why == "discount_beyond_book"


async def test_a_tiny_far_promise_and_a_write_off_are_requests(stack: Stack) -> None:
    async with (
        _staff(stack, AGENT, "203.0.113.25") as agent,
        _staff(stack, MANAGER, "203.0.113.26") as manager,
    ):
        chat = await _handed_off(stack, agent, RENATA)
        await _post(agent, f"/console/c/{chat}/take")
        promise = await _post(agent, f"/console/c/{chat}/promise", due="2030-01-02", amount="0,01")
        assert promise.headers["location"].endswith("done=approval")
        written_off = await _post(agent, f"/console/c/{chat}/dispute", outcome="cancelled")
        assert written_off.headers["location"].endswith("done=approval")
        debtor = _debtor_id(stack, chat)
        assert _rows(stack, Promise, Promise.debtor_id == debtor, Promise.status == "open") == []
        statuses = {d.status for d in _rows(stack, Debt, Debt.debtor_id == debtor)}
        assert statuses == {"disputed"}
        requests = {r.kind: r for r in _rows(stack, ApprovalRequest)}
        assert requests["promise"].why in ("promise_too_far", "promise_too_small")
        assert requests["dispute"].why == "dispute_outcome"
        # the manager refuses the promise and approves the write-off
        await _post(manager, f"/console/approvals/{requests['promise'].id}/reject", note="não")
        await _post(manager, f"/console/approvals/{requests['dispute'].id}/approve")
    statuses = {d.status for d in _rows(stack, Debt, Debt.debtor_id == debtor)}
    assert statuses == {"written_off"}
    assert _rows(stack, Promise, Promise.debtor_id == debtor, Promise.status == "open") == []
    kinds = [e.kind for e in _rows(stack, Event, Event.conversation_id == chat)]
    assert "approval_refused" in kinds
    assert "approval_granted" in kinds


async def test_only_the_holder_or_a_manager_releases_or_closes_a_held_chat(
    stack: Stack,
) -> None:
    _add_agent(stack)
    async with (
        _staff(stack, AGENT, "203.0.113.27") as holder,
        _staff(stack, OTHER_AGENT, "203.0.113.28") as other,
        _staff(stack, MANAGER, "203.0.113.29") as manager,
    ):
        chat = await _handed_off(stack, holder, CARLOS)
        await _post(holder, f"/console/c/{chat}/take")
        for action, data in (("release", {"resume": "quiet"}), ("close", {})):
            refused = await _post(other, f"/console/c/{chat}/{action}", **data)
            assert refused.status_code == 403, action
            status = stack.runtime.in_transaction(lambda s: s.get(Conversation, chat).status)
            assert status == "with_agent"
        assert (await _post(manager, f"/console/c/{chat}/close")).status_code == 303
    assert stack.runtime.in_transaction(lambda s: s.get(Conversation, chat).status) == "closed"


async def test_only_a_manager_approves_the_bots_agreement_beyond_the_limit(
    stack: Stack,
) -> None:
    async with _staff(stack, AGENT, "203.0.113.30") as agent:
        chat = await _handed_off(stack, agent, CARLOS)
        await _post(agent, f"/console/c/{chat}/take")
        debtor = _debtor_id(stack, chat)

        def pending(session: Any) -> int:
            row = Agreement(
                debtor_id=debtor,
                conversation_id=chat,
                offer_id="full_35",
                kind="pay_in_full",
                balance=Decimal("460.00"),
                total=Decimal("299.00"),
                installments=1,
                status="pending_approval",
                created_at=stack.runtime.clock.now(),
                updated_at=stack.runtime.clock.now(),
            )
            session.add(row)
            session.flush()
            return int(row.id)

        agreement_id = stack.runtime.in_transaction(pending)
        refused = await _post(agent, f"/console/c/{chat}/agreement/{agreement_id}/approve")
        assert refused.status_code == 403
    status = stack.runtime.in_transaction(lambda s: s.get(Agreement, agreement_id).status)
    assert status == "pending_approval"


async def test_no_reply_reaches_a_contact_who_opted_out(stack: Stack) -> None:
    async with (
        _staff(stack, AGENT, "203.0.113.31") as agent,
        _staff(stack, MANAGER, "203.0.113.32") as manager,
    ):
        chat = await _handed_off(stack, agent, CARLOS)
        await _post(agent, f"/console/c/{chat}/take")

        def opt_out(session: Any) -> None:
            contact = session.scalar(select(Contact).where(Contact.address == CARLOS))
            contact.opted_out = True
            contact.opted_out_at = stack.runtime.clock.now() - timedelta(minutes=1)

        stack.runtime.in_transaction(opt_out)
        page = await agent.get(f"/console/c/{chat}")
        assert 'id="dnc-banner"' in page.text
        assert 'id="reply-form"' not in page.text
        before = len(_rows(stack, Message, Message.conversation_id == chat))
        refused = await _post(agent, f"/console/c/{chat}/reply", text="Oi Carlos, tudo bem?")
        assert refused.status_code == 403
        no_reason = await _post(manager, f"/console/c/{chat}/reply", text="Aviso legal.")
        assert no_reason.status_code == 403
        assert len(_rows(stack, Message, Message.conversation_id == chat)) == before
        # a manager may, for a legal reason, and the reason is in the event log
        await _post(manager, f"/console/c/{chat}/transfer", to_agent=str(_manager_id(stack)))
        sent = await _post(
            manager,
            f"/console/c/{chat}/reply",
            text="Comunicado obrigatório sobre o seu contrato.",
            override_reason="Notificação exigida pelo CDC art. 43",
        )
        assert sent.status_code == 303
    overrides = _rows(
        stack, Event, Event.conversation_id == chat, Event.kind == "do_not_contact_override"
    )
    assert [e.data["reason"] for e in overrides] == ["Notificação exigida pelo CDC art. 43"]
    assert overrides[0].actor == f"agent:{_manager_id(stack)}"


def _manager_id(stack: Stack) -> int:
    return stack.runtime.in_transaction(
        lambda s: int(s.scalar(select(User.id).where(User.email == MANAGER[0])))
    )


async def test_no_reply_reaches_an_invalid_contact(stack: Stack) -> None:
    async with _staff(stack, AGENT, "203.0.113.33") as agent:
        chat = await _handed_off(stack, agent, CARLOS)
        await _post(agent, f"/console/c/{chat}/take")
        assert (await _post(agent, f"/console/c/{chat}/invalid")).status_code == 303
        before = len(_rows(stack, Message, Message.conversation_id == chat))
        refused = await _post(agent, f"/console/c/{chat}/reply", text="Oi, é o Carlos?")
        assert refused.status_code == 403
        assert 'id="dnc-banner"' in refused.text
    assert len(_rows(stack, Message, Message.conversation_id == chat)) == before
