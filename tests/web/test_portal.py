"""The self-service page over HTTP: link, identity check, simulation, accepting, a person.

Drives the real app (ASGI) on a copy of the demo database; what the page shows before the
check, what it stores after, and what the chat says are all read back from the database.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select

from bot.portal import links, service
from bot.portal.quotes import choices, simulate
from bot.portal.tokens import LinkSigner
from bot.runtime.service import Runtime
from bot.store.tables import (
    Agreement,
    AgreementInstallment,
    Contact,
    Conversation,
    Debtor,
    Event,
    Message,
    User,
)
from tests.web.conftest import SECRET, now_utc
from tests.web.conftest import simulate as chat

DEBTOR_REF = "DEMO-004"  # Carlos Santos, a few days late, CPF on file
BIRTH_DATE_REF = "DEMO-021"  # Mary Johnson: no CPF, a birth date in the import
NO_CHECK_REF = "DEMO-023"  # Linda Brown: neither
ADDRESS = "demo-demo-004"


def debtor_of(runtime: Runtime, ref: str = DEBTOR_REF) -> Debtor:
    with runtime.db() as session:
        found = session.scalar(select(Debtor).where(Debtor.ref == ref))
        assert found is not None
        session.expunge(found)
        return found


def link_for(runtime: Runtime, ref: str = DEBTOR_REF) -> str:
    debtor = debtor_of(runtime, ref)
    return runtime.in_transaction(
        lambda s: links.issue_link(
            s, LinkSigner(SECRET), runtime.settings, debtor.id, runtime.clock.now()
        )
    ).removeprefix(runtime.settings.public_url.rstrip("/"))


def cpf_tail(debtor: Debtor) -> str:
    return re.sub(r"\D", "", debtor.document or "")[-4:]


def csrf_in(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


async def verified(client: httpx.AsyncClient, path: str, debtor: Debtor) -> httpx.Response:
    page = await client.get(path)
    assert page.status_code == 200
    answer = await client.post(
        f"{path}/check", data={"answer": cpf_tail(debtor), "csrf_token": csrf_in(page.text)}
    )
    assert answer.status_code == 303
    return await client.get(path)


def events(runtime: Runtime, debtor_id: int, kind: str) -> list[Event]:
    with runtime.db() as session:
        return list(
            session.scalars(select(Event).where(Event.debtor_id == debtor_id, Event.kind == kind))
        )


async def test_nothing_is_disclosed_before_the_identity_check(
    anon: httpx.AsyncClient, runtime: Runtime
) -> None:
    debtor = debtor_of(runtime)
    page = await anon.get(link_for(runtime))
    assert page.status_code == 200
    assert runtime.settings.business.name in page.text  # who is asking
    assert runtime.settings.business.cnpj in page.text
    assert debtor.name.split()[0] not in page.text
    assert "R$" not in page.text
    assert page.headers["cache-control"] == "no-store"
    quote = await anon.get(link_for(runtime) + "/quote?offer=x&n=2")
    assert quote.status_code == 404


async def test_the_page_has_no_inline_script_or_style(
    anon: httpx.AsyncClient, runtime: Runtime
) -> None:
    debtor = debtor_of(runtime)
    page = await verified(anon, link_for(runtime), debtor)
    html = page.text
    assert debtor.name.split()[0] in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert " style=" not in html
    assert re.findall(r"\son[a-z]+=", html) == []
    assert len(page.content) < 30_000  # small on a slow connection: no framework, no CDN
    english = await anon.get(link_for(runtime), params={"lang": "en"})
    assert "How you can pay" in english.text
    assert "Total today" in english.text


async def test_simulate_accept_stores_the_installments_and_shows_the_pix(
    anon: httpx.AsyncClient, manager: httpx.AsyncClient, runtime: Runtime
) -> None:
    debtor = debtor_of(runtime)
    path = link_for(runtime)
    await chat(anon, ADDRESS, "oi")  # the debtor's chat, as the page's confirmations go there
    page = await verified(anon, path, debtor)
    with runtime.db() as session:
        view = service.load_page(session, runtime.deps, debtor.id, runtime.clock.now())
    split = next(c for c in choices(view.terms) if not c.in_full)
    n = split.min_installments
    first_due = view.terms.earliest_first_due + timedelta(days=1)
    quote = await anon.get(
        f"{path}/quote",
        params={"offer": split.offer.id, "n": n, "first_due": first_due.isoformat()},
    )
    assert quote.status_code == 200
    body = quote.json()
    expected = simulate(view.terms, split.offer.id, n, first_due)
    assert expected is not None
    assert body["installments"] == n
    assert Decimal(body["total"]) == expected.total
    for payment in expected.payments:  # every installment date is listed
        assert payment.due.strftime("%d/%m/%Y") in body["html"]

    accepted = await anon.post(
        f"{path}/accept",
        data={
            "csrf_token": csrf_in(page.text),
            "offer": split.offer.id,
            "n": str(n),
            "first_due": first_due.isoformat(),
        },
    )
    assert accepted.status_code == 303
    with runtime.db() as session:
        agreement = session.scalar(select(Agreement).where(Agreement.debtor_id == debtor.id))
        assert agreement is not None
        rows = list(
            session.scalars(
                select(AgreementInstallment)
                .where(AgreementInstallment.agreement_id == agreement.id)
                .order_by(AgreementInstallment.number)
            )
        )
        chat_texts = [
            m
            for m in session.scalars(
                select(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Contact.address == ADDRESS, Message.direction == "out")
            )
        ]
    assert agreement.status == "active"
    assert agreement.installments == n
    assert agreement.total == expected.total
    assert [(r.number, r.due, r.amount) for r in rows] == [
        (p.number, p.due, p.amount) for p in expected.payments
    ]
    done = await anon.get(path)
    assert "000201" in done.text  # the PIX copy-and-paste code (EMV payload)
    assert "<svg" in done.text  # its QR
    assert any((m.extra or {}).get("pix_code") for m in chat_texts)  # and in the chat
    assert events(runtime, debtor.id, "portal_agreement")
    created = events(runtime, debtor.id, "agreement_created")
    assert [e.actor for e in created] == ["portal"]

    dashboard = (await manager.get("/dashboard")).text
    kpis = dict(
        re.findall(
            r'data-kpi="portal\.(\w+)"><div class="value">(\d+)</div>',
            dashboard.split('id="portal-kpis"')[1],
        )
    )
    assert kpis["visits"] == "1"
    assert kpis["verified"] == "1"
    assert int(kpis["simulations"]) >= 1
    assert kpis["agreements"] == "1"


async def test_wrong_digits_lock_the_page_and_tell_a_person_without_muting_the_bot(
    anon: httpx.AsyncClient, agent: httpx.AsyncClient, runtime: Runtime
) -> None:
    """A lock is about the page, not the chat: the debtor (who may only have mistyped) keeps
    talking to the bot, and the chat shows up in the agents' inbox so a person looks at it."""
    debtor = debtor_of(runtime)
    path = link_for(runtime)
    await chat(anon, ADDRESS, "oi")
    page = await anon.get(path)
    token = csrf_in(page.text)
    wrong = "0000" if cpf_tail(debtor) != "0000" else "1111"
    limit = runtime.settings.portal.max_attempts
    statuses = []
    for _ in range(limit):
        response = await anon.post(f"{path}/check", data={"answer": wrong, "csrf_token": token})
        statuses.append(response.status_code)
    assert statuses == [401] * (limit - 1) + [423]
    right = await anon.post(
        f"{path}/check", data={"answer": cpf_tail(debtor), "csrf_token": token}
    )
    assert right.status_code == 423  # locked even for the right answer now
    assert "R$" not in right.text
    assert len(events(runtime, debtor.id, "portal_identity_failed")) == limit
    assert len(events(runtime, debtor.id, "portal_locked")) == 1
    assert events(runtime, debtor.id, "handoff") == []  # nobody took the chat from the bot

    def chat_state() -> tuple[int, str, str | None, int]:
        with runtime.db() as session:
            conversation = session.scalar(
                select(Conversation).where(Conversation.debtor_id == debtor.id)
            )
            assert conversation is not None
            bot_messages = session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.conversation_id == conversation.id, Message.sender == "bot")
            )
            return (
                conversation.id,
                conversation.status,
                conversation.handoff_reason,
                int(bot_messages or 0),
            )

    conversation_id, status, reason, before = chat_state()
    assert (status, reason) == ("bot", "portal_locked")
    inbox = (await agent.get("/console/inbox")).text
    assert f"/console/c/{conversation_id}" in inbox  # a person is told
    await chat(anon, ADDRESS, "quanto eu devo?")
    _, status, reason, after = chat_state()
    assert after > before  # the bot still answers in the chat
    assert (status, reason) == ("bot", "portal_locked")
    # an agent who looked at it hands it back: the notice goes, the bot carries on
    await runtime.desk.take(conversation_id, agent_id=agent_id_of(runtime))
    await runtime.desk.release(conversation_id, agent_id=agent_id_of(runtime))
    _, status, reason, _ = chat_state()
    assert (status, reason) == ("bot", None)
    assert f"/console/c/{conversation_id}" not in (await agent.get("/console/inbox")).text


def agent_id_of(runtime: Runtime) -> int:
    with runtime.db() as session:
        found = session.scalar(select(User.id).where(User.role == "agent"))
    assert found is not None
    return int(found)


async def test_without_a_cpf_the_page_asks_for_the_birth_date(
    anon: httpx.AsyncClient, runtime: Runtime
) -> None:
    debtor = debtor_of(runtime, BIRTH_DATE_REF)
    assert debtor.document is None
    assert debtor.birth_date is not None
    path = link_for(runtime, BIRTH_DATE_REF)
    page = await anon.get(path, params={"lang": "en"})
    assert "date of birth" in page.text
    assert "R$" not in page.text
    token = csrf_in(page.text)
    wrong = await anon.post(f"{path}/check", data={"answer": "01/01/1970", "csrf_token": token})
    assert wrong.status_code == 401
    assert "That date doesn" in wrong.text
    assert "R$" not in wrong.text
    answer = debtor.birth_date.strftime("%d/%m/%Y")
    right = await anon.post(f"{path}/check", data={"answer": answer, "csrf_token": token})
    assert right.status_code == 303
    opened = await anon.get(path)
    assert debtor.name.split()[0] in opened.text
    assert "R$" in opened.text


async def test_with_neither_cpf_nor_birth_date_the_page_sends_to_a_person(
    anon: httpx.AsyncClient, runtime: Runtime
) -> None:
    debtor = debtor_of(runtime, NO_CHECK_REF)
    assert debtor.document is None
    assert debtor.birth_date is None
    path = link_for(runtime, NO_CHECK_REF)
    page = await anon.get(path, params={"lang": "en"})
    assert page.status_code == 200
    assert 'name="answer"' not in page.text
    assert "a person will help you" in page.text
    token = csrf_in_cookie_page(page.text)
    tried = await anon.post(f"{path}/check", data={"answer": "1234", "csrf_token": token})
    assert tried.status_code == 403
    assert "R$" not in tried.text


def csrf_in_cookie_page(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return found.group(1) if found else ""


async def test_tampered_expired_and_revoked_links_are_refused(
    anon: httpx.AsyncClient, runtime: Runtime
) -> None:
    debtor = debtor_of(runtime)
    path = link_for(runtime)
    token = path.removeprefix("/p/")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    other_debtor = token.replace(token.split(".")[0], "1", 1)
    expired = LinkSigner(SECRET).make(debtor.id, 1, now_utc() - timedelta(minutes=1))
    for bad in (tampered, other_debtor, expired, "nonsense"):
        response = await anon.get(f"/p/{bad}")
        assert response.status_code == 404, bad
        assert runtime.settings.business.name in response.text  # the page says who we are
        assert debtor.name.split()[0] not in response.text
    runtime.in_transaction(lambda s: links.revoke_links(s, debtor.id, runtime.clock.now()))
    assert (await anon.get(path)).status_code == 404
    fresh = link_for(runtime)
    assert (await anon.get(fresh)).status_code == 200


async def test_a_session_opens_only_its_own_debtors_link(
    anon: httpx.AsyncClient, runtime: Runtime
) -> None:
    await verified(anon, link_for(runtime), debtor_of(runtime))
    other = debtor_of(runtime, "DEMO-005")
    page = await anon.get(link_for(runtime, "DEMO-005"))
    assert page.status_code == 200
    assert other.name.split()[0] not in page.text
    assert 'name="answer"' in page.text


async def test_posts_need_the_sessions_csrf_token(
    anon: httpx.AsyncClient, runtime: Runtime
) -> None:
    path = link_for(runtime)
    await anon.get(path)
    response = await anon.post(f"{path}/check", data={"answer": "1234", "csrf_token": "forged"})
    assert response.status_code == 403
    assert not events(runtime, debtor_of(runtime).id, "portal_identity_failed")


@pytest.mark.parametrize("amount", ["60", "5"])
async def test_monthly_amount_gives_a_plan_or_the_nearest(
    anon: httpx.AsyncClient, runtime: Runtime, amount: str
) -> None:
    debtor = debtor_of(runtime)
    path = link_for(runtime)
    await verified(anon, path, debtor)
    page = await anon.get(path, params={"monthly": amount})
    assert page.status_code == 200
    with runtime.db() as session:
        view = service.load_page(session, runtime.deps, debtor.id, runtime.clock.now())
    proposal = runtime.deps.book.propose(
        view.terms.debts,
        view.terms.today,
        monthly_amount=Decimal(amount),
        segment=view.terms.segment,
        first_due_days=runtime.settings.offers.first_due_days,
    )
    assert proposal.plan is not None
    regular = [p for p in proposal.plan.payments if p.number > 0]
    assert f"R$ {regular[0].amount:.2f}".replace(".", ",") in page.text
    asks_for_approval = "/person" in page.text.split('id="monthly"')[1].split("</section>")[0]
    assert asks_for_approval == (not proposal.exact)
    assert events(runtime, debtor.id, "portal_simulated")


async def test_talk_to_a_person_hands_the_chat_over_with_the_simulation(
    anon: httpx.AsyncClient, runtime: Runtime
) -> None:
    debtor = debtor_of(runtime)
    path = link_for(runtime)
    await chat(anon, ADDRESS, "oi")
    page = await verified(anon, path, debtor)
    response = await anon.post(
        f"{path}/person",
        data={"csrf_token": csrf_in(page.text), "offer": "up_to_6", "n": "4"},
    )
    assert response.status_code == 303
    with runtime.db() as session:
        conversation = session.scalar(
            select(Conversation).where(Conversation.debtor_id == debtor.id)
        )
    assert conversation is not None
    assert (conversation.status, conversation.handoff_reason) == (
        "waiting_agent",
        "portal_request",
    )
    [handed] = events(runtime, debtor.id, "portal_handoff")
    assert handed.data["offer_id"] == "up_to_6"
    assert handed.data["installments"] == 4
