"""The ``portal:`` step of a conversation script: the debtor uses the self-service page.

It drives the functions the page's routes call (``bot.portal.service``, ``bot.portal.quotes``)
in the same order and under the same chat lock, so a script can check that what happens on
the page shows up in the chat and the cadence. The link is the last one the bot sent.

```yaml
- portal: {action: open}                         # the last /p/<token> the bot sent
- portal: {action: check, answer: "8909"}        # CPF digits or birth date; passes: false
- portal: {action: simulate, offer: up_to_6, installments: 4}   # or monthly: "150.00"
- portal: {action: accept}                       # the last simulation (or offer/installments)
- portal: {action: person}                       # "talk to a person"
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot.conversation.operations import OperationError
from bot.core.domain import Plan
from bot.core.enums import EventKind
from bot.portal import links, service
from bot.portal.quotes import fit_monthly, simulate
from bot.portal.tokens import LinkClaims, LinkSigner
from bot.runtime.service import chat_lock
from bot.secrets import resolve_secret_key

if TYPE_CHECKING:
    from bot.testing.scripts import ScriptRun

ACTIONS = ("open", "check", "simulate", "accept", "person")
LINK = re.compile(r"/p/([A-Za-z0-9._-]+)")


@dataclass
class PageVisit:
    """What the page's cookie would hold: whose link, whether the check passed."""

    claims: LinkClaims
    verified: bool = False
    asked: dict[str, Any] | None = None  # the last simulation


async def portal_step(run: ScriptRun, arg: Any, number: int) -> None:
    arg = arg or {}
    action = str(arg.get("action", ""))
    if action not in ACTIONS:
        raise ValueError(f"step {number}: portal action must be {'|'.join(ACTIONS)}")
    if action == "open":
        _open(run, arg, number)
        return
    visit: PageVisit | None = getattr(run, "portal_visit", None)
    if visit is None:
        run.failures.append(f"step {number}: portal {action}: the page was not opened")
        return
    if action == "check":
        await _check(run, visit, arg, number)
    elif not visit.verified:
        run.failures.append(f"step {number}: portal {action}: the identity check did not pass")
    elif action == "simulate":
        _simulate(run, visit, arg, number)
    elif action == "accept":
        await _accept(run, visit, arg, number)
    else:
        await _person(run, visit, number)


def _open(run: ScriptRun, arg: dict[str, Any], number: int) -> None:
    found = [m.group(1) for text in run.sent for m in LINK.finditer(text)]
    if not found:
        run.failures.append(f"step {number}: portal open: the bot sent no link to the page")
        return
    now = run.clock.now()
    claims = LinkSigner(resolve_secret_key(run.settings)).read(found[-1], now)

    def work(db: Session) -> bool:
        if claims is None or links.current(db, claims) is None:
            return False
        service.record(db, claims.debtor_id, EventKind.PORTAL_OPENED, now)
        return True

    valid = run.runtime.in_transaction(work)
    run.transcript.append(f"[{number}] page: open -> {'valid' if valid else 'refused'}")
    if valid != bool(arg.get("valid", True)):
        run.failures.append(f"step {number}: portal open: link valid={valid}")
    run.portal_visit = PageVisit(claims) if valid and claims else None


async def _check(run: ScriptRun, visit: PageVisit, arg: dict[str, Any], number: int) -> None:
    answer = str(arg.get("answer", ""))
    now = run.clock.now()

    def work(db: Session) -> service.CheckResult:
        row = links.current(db, visit.claims)
        if row is None:
            raise ValueError(f"step {number}: portal check: the link was revoked")
        return service.check_identity(db, run.runtime.deps, row, answer, now)

    result = run.runtime.in_transaction(work)
    await run.runtime.announce(result.outcome, "handoff")
    visit.verified = result.passed
    said = "passed" if result.passed else ("locked" if result.locked else "wrong")
    run.transcript.append(f"[{number}] page: check {answer!r} -> {said}")
    if result.passed != bool(arg.get("passes", True)):
        run.failures.append(f"step {number}: portal check: {said}")
    await run.drain()


def _plan(run: ScriptRun, db: Session, visit: PageVisit, asked: dict[str, Any]) -> Plan | None:
    """As the page prices a choice: an offer at some installments, or a monthly amount."""
    view = service.load_page(db, run.runtime.deps, visit.claims.debtor_id, run.clock.now())
    first_due = view.terms.clamp_first_due(_day(asked.get("first_due")))
    if asked.get("monthly") and not asked.get("offer"):
        return fit_monthly(view.terms, Decimal(str(asked["monthly"])), first_due).plan
    n = asked.get("installments")
    return simulate(view.terms, str(asked.get("offer", "")), int(n) if n else None, first_due)


def _simulate(run: ScriptRun, visit: PageVisit, arg: dict[str, Any], number: int) -> None:
    keys = ("offer", "installments", "first_due", "monthly")
    asked: dict[str, Any] = {k: arg[k] for k in keys if k in arg}
    now = run.clock.now()

    def work(db: Session) -> Plan | None:
        plan = _plan(run, db, visit, asked)
        if plan is not None:
            # the event the page records (its keys), so the dashboard counts it the same
            event = {("offer_id" if k == "offer" else k): v for k, v in asked.items()}
            service.record(db, visit.claims.debtor_id, EventKind.PORTAL_SIMULATED, now, **event)
        return plan

    plan = run.runtime.in_transaction(work)
    if plan is None:
        run.failures.append(f"step {number}: portal simulate: no plan for {asked}")
        return
    visit.asked = asked
    run.transcript.append(
        f"[{number}] page: simulate {asked} -> {plan.installments}x "
        f"{plan.payments[-1].amount} (total {plan.total}, first {plan.first_due.isoformat()})"
    )


async def _accept(run: ScriptRun, visit: PageVisit, arg: dict[str, Any], number: int) -> None:
    asked = {k: v for k, v in arg.items() if k != "action"} or visit.asked or {}
    now = run.clock.now()
    debtor_id = visit.claims.debtor_id

    def work(db: Session) -> service.Accepted | None:
        plan = _plan(run, db, visit, asked)
        return service.accept(db, run.runtime.deps, debtor_id, plan, now) if plan else None

    async with run.runtime.locks.hold(chat_lock(run.channel, run.address)):
        try:
            accepted = run.runtime.in_transaction(work)
        except OperationError as exc:
            run.failures.append(f"step {number}: portal accept: {exc}")
            return
    if accepted is None:
        run.failures.append(f"step {number}: portal accept: no plan for {asked}")
        return
    await run.runtime.announce(accepted.outcome, "agreement")
    run.transcript.append(f"[{number}] page: accept {asked} -> agreement {accepted.agreement_id}")
    await run.drain()


async def _person(run: ScriptRun, visit: PageVisit, number: int) -> None:
    now = run.clock.now()
    simulated = dict(visit.asked or {})
    async with run.runtime.locks.hold(chat_lock(run.channel, run.address)):
        outcome = run.runtime.in_transaction(
            lambda db: service.hand_off(
                db, run.runtime.deps, visit.claims.debtor_id, now, simulated
            )
        )
    await run.runtime.announce(outcome, "handoff")
    run.transcript.append(f"[{number}] page: talk to a person")
    await run.drain()


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None
