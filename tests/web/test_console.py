"""The agent console: inbox, taking, replying through the channel, handing back."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from bot.runtime.service import Runtime
from tests.web.conftest import client_for, csrf_of, hand_off, log_in, simulate

ADDRESS = "demo-demo-004"


async def _sim_texts(client: httpx.AsyncClient, address: str = ADDRESS) -> list[str]:
    data = (await client.get("/simulator/messages", params={"address": address})).json()
    return [m["text"] for m in data["messages"]]


async def test_handed_off_chat_shows_in_the_inbox_with_reason_and_balance(
    agent: httpx.AsyncClient, runtime: Runtime
) -> None:
    conversation_id = await hand_off(agent, runtime)
    page = await agent.get("/console")
    assert f'data-conversation="{conversation_id}"' in page.text
    assert "Carlos Santos" in page.text
    assert "pediu uma pessoa" in page.text  # the reason, in the agent's language
    assert "R$ 4" in page.text  # balance with fees: 450.00 plus charges
    api = (await agent.get("/api/inbox")).json()["conversations"]
    assert api[0]["id"] == conversation_id or conversation_id in [c["id"] for c in api]


async def test_a_dispute_shows_what_is_contested_beside_the_balance(
    agent: httpx.AsyncClient, runtime: Runtime
) -> None:
    """ "não vou pagar isso": the debt leaves the balance (not collected) and the row showed
    R$ 0,00; what the chat is about is the amount contested, so the row says it."""
    await simulate(agent, ADDRESS, "sou eu")
    await simulate(agent, ADDRESS, "nao vou pagar isso")
    page = await agent.get("/console")
    row = page.text[page.text.index("Carlos Santos") :]
    assert re.search(r"R\$ 0,00 <span class=\"muted\">\+ R\$ 450,00 contestado</span>", row)


async def test_inbox_lists_the_longest_waiting_first(
    agent: httpx.AsyncClient, runtime: Runtime
) -> None:
    first = await hand_off(agent, runtime, "demo-demo-004")
    second = await hand_off(agent, runtime, "demo-demo-005")
    ids = [c["id"] for c in (await agent.get("/api/inbox")).json()["conversations"]]
    assert ids.index(first) < ids.index(second)


async def test_take_reply_release_round_trip(
    app: FastAPI, agent: httpx.AsyncClient, runtime: Runtime
) -> None:
    conversation_id = await hand_off(agent, runtime)
    token = await csrf_of(agent)
    taken = await agent.post(f"/console/c/{conversation_id}/take", data={"csrf_token": token})
    assert taken.status_code == 303
    chat = await agent.get(f"/console/c/{conversation_id}")
    assert "Com Agente Demo" in chat.text
    assert 'id="reply-form"' in chat.text

    replied = await agent.post(
        f"/console/c/{conversation_id}/reply",
        data={"csrf_token": token, "text": "Oi Carlos, aqui é a Ana do financeiro."},
    )
    assert replied.status_code == 303
    await runtime.drain_outbox()
    assert (await _sim_texts(agent))[-1] == "Oi Carlos, aqui é a Ana do financeiro."

    # while the agent holds the chat the bot stays quiet
    before = len(await _sim_texts(agent))
    await simulate(agent, ADDRESS, "ok, obrigado")
    assert len(await _sim_texts(agent)) == before + 1

    released = await agent.post(
        f"/console/c/{conversation_id}/release", data={"csrf_token": token, "resume": "message"}
    )
    assert released.status_code == 303
    await runtime.drain_outbox()
    texts = await _sim_texts(agent)
    assert len(texts) > before + 1  # the bot spoke again
    await simulate(agent, ADDRESS, "quanto eu devo?")
    after = (await agent.get("/simulator/messages", params={"address": ADDRESS})).json()
    assert after["messages"][-1]["sender"] == "bot"


async def test_a_second_agent_sees_who_has_the_chat(
    app: FastAPI, agent: httpx.AsyncClient, runtime: Runtime
) -> None:
    conversation_id = await hand_off(agent, runtime)
    token = await csrf_of(agent)
    await agent.post(f"/console/c/{conversation_id}/take", data={"csrf_token": token})
    async with client_for(app) as other:
        await log_in(other, "manager@demo", "demo-manager")
        other_token = await csrf_of(other)
        inbox = await other.get("/console")
        assert "Agente Demo" in inbox.text
        refused = await other.post(
            f"/console/c/{conversation_id}/take", data={"csrf_token": other_token}
        )
        assert refused.status_code == 409
        assert "já está com Agente Demo" in refused.text


async def test_record_promise_and_close(agent: httpx.AsyncClient, runtime: Runtime) -> None:
    conversation_id = await hand_off(agent, runtime)
    token = await csrf_of(agent)
    await agent.post(f"/console/c/{conversation_id}/take", data={"csrf_token": token})
    today = runtime.clock.now().date().isoformat()
    response = await agent.post(
        f"/console/c/{conversation_id}/promise",
        data={"csrf_token": token, "due": today, "amount": "459,45"},
    )
    assert response.status_code == 303
    detail = (await agent.get(f"/api/conversations/{conversation_id}")).json()
    kinds = [e["kind"] for e in detail["events"]]
    assert "promise_recorded" in kinds
    bad = await agent.post(
        f"/console/c/{conversation_id}/promise",
        data={"csrf_token": token, "due": today, "amount": "abc"},
    )
    assert bad.status_code == 400
    closed = await agent.post(f"/console/c/{conversation_id}/close", data={"csrf_token": token})
    assert closed.status_code == 303
    detail = (await agent.get(f"/api/conversations/{conversation_id}")).json()
    assert detail["status"] == "closed"


async def test_unknown_conversation_is_404(agent: httpx.AsyncClient) -> None:
    assert (await agent.get("/console/c/999999")).status_code == 404
    assert (await agent.get("/api/conversations/999999")).status_code == 404


async def test_pages_follow_the_browser_language(app: FastAPI) -> None:
    async with client_for(app) as client:
        page = await client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
        assert "Log in to Quita" in page.text
        page = await client.get("/login", headers={"Accept-Language": "pt-BR"})
        assert "Entrar no Quita" in page.text


async def test_home_shows_demo_logins_only_in_demo_mode(anon: httpx.AsyncClient) -> None:
    page = await anon.get("/")
    assert "agent@demo" in page.text
    assert "demo-agent" in page.text
    assert 'href="/simulator"' in page.text


async def test_event_details_are_in_words(agent: httpx.AsyncClient, runtime: Runtime) -> None:
    """A promise beyond the book is filed for approval; the chat panel says why in words,
    with the amount as money and the date as a day, not ``why=promise_too_far``."""
    conversation_id = await hand_off(agent, runtime)
    token = await csrf_of(agent)
    await agent.post(f"/console/c/{conversation_id}/take", data={"csrf_token": token})
    response = await agent.post(
        f"/console/c/{conversation_id}/promise",
        data={"csrf_token": token, "due": "2030-01-02", "amount": "300,00"},
    )
    assert response.headers["location"].endswith("done=approval")
    page = (await agent.get(f"/console/c/{conversation_id}")).text
    assert "Motivo: promessa além do prazo máximo" in page
    assert "Pedido: Promessa" in page
    assert "Valor: R$ 300,00" in page
    assert "Vencimento: 02/01/2030" in page
    assert "why=" not in page
    assert "promise_too_far" not in page


async def test_the_panel_shows_a_payment_and_the_dashboard_has_a_payment_stream(
    agent: httpx.AsyncClient, runtime: Runtime, app: FastAPI
) -> None:
    """What the chat page swaps in when a payment is announced: the panel alone, with the
    new balance and the payment in the events; managers' results page listens for payments."""
    from datetime import timedelta
    from decimal import Decimal

    conversation_id = await hand_off(agent, runtime)
    before = await agent.get(f"/console/c/{conversation_id}/panel")
    assert before.status_code == 200
    assert "<html" not in before.text  # a fragment, not a page
    saldo = re.compile(r"Saldo: R\$ ([\d.]+,\d\d)")

    def balance(html: str) -> Decimal:
        found = saldo.search(html)
        assert found is not None
        return Decimal(found.group(1).replace(".", "").replace(",", "."))

    paid_at = runtime.clock.now() - timedelta(minutes=1)
    assert await runtime.outreach.confirm_payment("DEMO-004-1", Decimal("100.00"), paid_at)
    after = (await agent.get(f"/console/c/{conversation_id}/panel")).text
    # at least the 100 paid (the late charges shrink with the principal they are due on)
    assert balance(after) <= balance(before.text) - Decimal("100.00")
    assert "pagamento recebido" in after
    assert "Valor: R$ 100,00" in after
    page = (await agent.get(f"/console/c/{conversation_id}")).text
    assert f'data-source="/console/c/{conversation_id}/panel"' in page
    assert (await agent.get("/dashboard/events")).status_code == 403  # managers only
    async with client_for(app) as manager:
        await log_in(manager, "manager@demo", "demo-manager")
        results = (await manager.get("/dashboard")).text
        assert 'data-stream="/dashboard/events"' in results
        assert "/static/dashboard.js" in results


async def test_a_stranger_shows_by_number_with_the_reason_in_words(
    agent: httpx.AsyncClient, runtime: Runtime
) -> None:
    """Someone the portfolio does not know writes: the agent sees the number (all there is
    to go on) and why the chat waits, in the page's language, not a dash and a code."""
    from datetime import UTC, datetime

    from bot.core.domain import InboundMessage

    await runtime.inbound.receive(
        InboundMessage(
            channel="whatsapp",
            address="+5511987650001",
            provider_id="SM-stranger-1",
            text="oi, recebi uma mensagem de vcs",
            received_at=datetime.now(UTC),
        )
    )
    with runtime.db() as session:
        from sqlalchemy import select

        from bot.store.tables import Contact, Conversation

        conversation_id = session.scalar(
            select(Conversation.id).join(Contact).where(Contact.address == "+5511987650001")
        )
    inbox = await agent.get("/console")
    row = re.search(rf'data-conversation="{conversation_id}".*?</tr>', inbox.text, re.S)
    assert row is not None
    assert "<strong>+5511987650001</strong>" in row.group(0)
    assert "contato desconhecido" in row.group(0)
    chat = await agent.get(f"/console/c/{conversation_id}")
    assert "<h1>+5511987650001</h1>" in chat.text
    assert "Contato não vinculado a um cliente." in chat.text
    assert "unknown contact" not in chat.text
