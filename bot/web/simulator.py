"""The debtor side of the demo: chat with the bot as if from a phone (the "web" channel).

Open to anyone in demo mode; outside it a signed-in user is needed, since a simulated
debtor would otherwise see real debts. Replies are read from the message log, so the page
works across several web processes.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.channels.policies import PHONE_CHANNELS
from bot.core.money import money
from bot.store.portfolio import PortfolioRepository
from bot.store.tables import Contact, Conversation, Debt, Debtor
from bot.web.auth import CurrentUser, NotAuthenticated, csrf_protect, optional_user
from bot.web.live import read
from bot.web.pages import render
from bot.web.views import message_json, messages_after

router = APIRouter(prefix="/simulator", dependencies=[Depends(csrf_protect)])

ADDRESS = re.compile(r"^[A-Za-z0-9+._:-]{3,64}$")


def _allowed(request: Request, user: CurrentUser | None) -> None:
    if user is None and not request.app.state.settings.demo:
        raise NotAuthenticated()


def _check_address(address: str) -> str:
    address = address.strip()
    if not ADDRESS.match(address):
        raise HTTPException(status_code=422, detail="bad address")
    return address


@dataclass(frozen=True)
class SimulatorDebtor:
    address: str
    name: str
    ref: str
    language: str
    owed: Decimal  # unpaid principal of the open debts


def simulator_debtors(session: Session) -> list[SimulatorDebtor]:
    """Every debtor that has a simulator contact, with their language and what they owe."""
    owed: dict[int, Decimal] = {}
    for debtor_id, amount, paid in session.execute(
        select(Debt.debtor_id, Debt.amount, Debt.paid).where(
            Debt.status.in_(("open", "in_agreement", "disputed"))
        )
    ):  # summed here: Money columns add up exactly only as Decimals
        owed[debtor_id] = owed.get(debtor_id, Decimal(0)) + amount - paid
    query = (
        select(Contact.address, Debtor.id, Debtor.name, Debtor.ref, Debtor.language)
        .join(Debtor, Debtor.id == Contact.debtor_id)
        .where(Contact.channel == "web")
        .order_by(Debtor.ref)
    )
    return [
        SimulatorDebtor(a, n, r, lang, money(owed.get(i, Decimal(0))))
        for a, i, n, r, lang in session.execute(query)
    ]


def link_phone(session: Session, phone: str, now: Any) -> str:
    """A simulator contact for ``phone``, linked to the debtor who owns that number."""
    from bot.store.importer import RowError, normalise_phone

    try:
        address = normalise_phone(phone)
    except RowError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    repo = PortfolioRepository(session)
    owner = next(filter(None, (repo.contact(c, address) for c in PHONE_CHANNELS)), None)
    if owner is not None and owner.debtor_id is not None:
        debtor = repo.debtor(owner.debtor_id)
        if debtor is not None:
            repo.ensure_contact(debtor, "web", address, now)
    session.commit()
    return address


@router.get("")
async def page(request: Request, user: optional_user, address: str = "") -> Response:
    _allowed(request, user)
    debtors = await read(request, simulator_debtors)
    chosen = address.strip() if address and ADDRESS.match(address.strip()) else ""
    error = "" if chosen or not address else "sim.bad_address"
    name = next((d.name for d in debtors if d.address == chosen), chosen)
    return render(
        request,
        "simulator.html",
        {"debtors": debtors, "address": chosen, "name": name, "error": error},
        status_code=422 if error else 200,
    )


@router.post("/start")
async def start(
    request: Request,
    user: optional_user,
    address: Annotated[str, Form(max_length=64)] = "",
    phone: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    _allowed(request, user)
    try:
        if phone.strip():
            now = request.app.state.runtime.clock.now()
            address = await read(request, lambda s: link_phone(s, phone, now))
        address = _check_address(address)
    except HTTPException:  # a page saying what is wrong, not a JSON body
        debtors = await read(request, simulator_debtors)
        context = {"debtors": debtors, "address": "", "name": "", "error": "sim.bad_address"}
        return render(request, "simulator.html", context, status_code=422)
    return RedirectResponse(f"/simulator?address={address}", status_code=303)


def _conversation_id(session: Session, address: str) -> int | None:
    return session.scalar(
        select(Conversation.id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(Contact.channel == "web", Contact.address == address)
    )


@router.post("/remind")
async def remind(
    request: Request,
    user: optional_user,
    address: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Play the business side: the reminder the cadence would send this debtor, now."""
    _allowed(request, user)
    address = _check_address(address)
    await request.app.state.runtime.simulator.reminder(address)
    return RedirectResponse(f"/simulator?address={address}", status_code=303)


@router.get("/messages")
async def messages(
    request: Request, user: optional_user, address: str, after: int = 0
) -> JSONResponse:
    """The chat as the debtor sees it: what they sent and what reached them."""
    _allowed(request, user)
    address = _check_address(address)

    def work(session: Session) -> list[dict[str, Any]]:
        conversation_id = _conversation_id(session, address)
        if conversation_id is None:
            return []
        rows = messages_after(session, conversation_id, after)
        visible = [m for m in rows if m.direction == "in" or m.status not in ("failed",)]
        return [_public(message_json(m)) for m in visible]

    return JSONResponse({"messages": await read(request, work)})


def _public(data: dict[str, Any]) -> dict[str, Any]:
    """What a debtor's phone would show: no intents, no agent names."""
    keep = ("id", "direction", "sender", "text", "status", "buttons", "pix_code", "created_at")
    return {k: data[k] for k in keep}


class SimulatedMessage(BaseModel):
    address: str = Field(max_length=64)
    text: str = Field(min_length=1, max_length=4000)


@router.post("/send")
async def send(request: Request, user: optional_user, body: SimulatedMessage) -> JSONResponse:
    _allowed(request, user)
    address = _check_address(body.address)
    runtime = request.app.state.runtime
    await runtime.simulator.send(address, body.text, provider_id=f"sim-{uuid.uuid4().hex}")
    return JSONResponse({"ok": True})
