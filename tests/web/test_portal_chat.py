"""The chat and the page together: the bot sends the page's link with its offers, the
debtor closes the agreement on the page, and the chat and the cadence carry on from it."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import select

from bot.cadence.facts import FactsQuery, facts_for
from bot.cadence.planner import history_days, preview
from bot.runtime.service import Runtime
from bot.store.tables import Agreement, Contact, Conversation, Debtor, Message
from tests.web.conftest import simulate as chat
from tests.web.test_portal import ADDRESS, DEBTOR_REF, cpf_tail, csrf_in, debtor_of

LINK = re.compile(r"https?://[^\s]+(/p/[A-Za-z0-9._-]+)")


def bot_texts(runtime: Runtime, after: int = 0) -> list[Message]:
    with runtime.db() as session:
        return list(
            session.scalars(
                select(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Contact.address == ADDRESS, Message.direction == "out", Message.id > after)
                .order_by(Message.id)
            )
        )


async def test_link_from_the_chat_agreement_on_the_page_back_in_the_chat(
    anon: httpx.AsyncClient, runtime: Runtime
) -> None:
    debtor = debtor_of(runtime)
    await chat(anon, ADDRESS, "oi")
    await chat(anon, ADDRESS, "sim, sou eu")
    await chat(anon, ADDRESS, "quero parcelar")
    said = bot_texts(runtime)
    found = [LINK.search(m.text) for m in said]
    links = [m.group(1) for m in found if m]
    assert links, [m.text for m in said]
    assert "/p/" in said[-1].text  # after the offers, once
    await chat(anon, ADDRESS, "quais as opções de novo?")
    assert sum(bool(LINK.search(m.text)) for m in bot_texts(runtime)) == 1

    path = links[0]
    page = await anon.get(path)
    check = await anon.post(
        f"{path}/check", data={"answer": cpf_tail(debtor), "csrf_token": csrf_in(page.text)}
    )
    assert check.status_code == 303
    page = await anon.get(path)
    last_before = bot_texts(runtime)[-1].id
    accepted = await anon.post(
        f"{path}/accept",
        data={"csrf_token": csrf_in(page.text), "offer": "up_to_6", "n": "3"},
    )
    assert accepted.status_code == 303
    with runtime.db() as session:
        agreement = session.scalar(select(Agreement).where(Agreement.debtor_id == debtor.id))
    assert agreement is not None
    assert agreement.installments == 3

    confirmation = bot_texts(runtime, after=last_before)
    assert any("3" in m.text and "acordo" in m.text.lower() for m in confirmation)
    assert any((m.extra or {}).get("pix_code") for m in confirmation)

    # the chat knows: asked what is owed, it talks about the agreement, not new offers
    last_before = confirmation[-1].id
    await chat(anon, ADDRESS, "quanto eu devo?")
    reply = " ".join(m.text for m in bot_texts(runtime, after=last_before)).lower()
    assert "acordo" in reply or "parcela" in reply, reply
    assert "/p/" not in reply

    # the cadence: installment reminders from now on, no more overdue reminders
    now = runtime.clock.now()
    settings = runtime.settings
    with runtime.db() as session:
        row = session.scalar(select(Debtor).where(Debtor.ref == DEBTOR_REF))
        assert row is not None
        query = FactsQuery(
            now=now,
            history_days=history_days(settings.cadence),
            default_state=settings.business.state,
        )
        facts = facts_for(session, row.id, query)
    assert facts is not None
    planned = preview(facts, now, 70, settings.cadence, settings.business.timezone)
    templates = {c.template for c in planned}
    assert "installment_due" in templates
    assert "overdue" not in templates
    assert all(c.at <= now + timedelta(days=70) for c in planned)
