"""Which reminder a debtor gets next, and when. Pure: facts and a clock in, a plan out.

Rules (DESIGN.md, "Rules the bot keeps"):

* Nothing on opt-out, an unreachable contact, a dispute, an agent holding the chat; nothing
  but a thank-you once everything is paid; nothing while an agreement awaits approval.
* An open promise silences the debt steps until the day after its date: the morning of the
  promised day gets ``promise_day``; the day after, if still open, ``promise_broken``.
* An active agreement replaces the debt steps by installment reminders.
* A scheduled contact ("me chama mais tarde") goes at its time; debt steps falling before it
  are skipped.
* Debt steps are offsets from the oldest open due date. A debtor who missed several steps
  gets one message, the latest step that applies.
* Every contact falls inside a contact window, after any pause, and within the weekly cap
  (business-initiated messages in a rolling 7 days); at most one a day besides callbacks;
  collection steps at least ``min_gap_hours`` after the last business-initiated message.
* The window is the configured hours narrowed by the debtor's state law (SP, RJ, ES, AL).

Each contact's idempotency key is ``f"{debtor_id}:{step}:{local date of the step}"``: the
same step on the same day always gets the same key, whichever worker plans it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache

from bot.cadence.calendar import ContactCalendar, calendar_for
from bot.cadence.model import (
    CallbackFact,
    ContactKind,
    DebtorFacts,
    PlannedContact,
)
from bot.config import CadenceSettings
from bot.core.money import ZERO, money

WEEK = timedelta(days=7)
MIN_HISTORY_DAYS = 60
_HORIZON_DAYS = 400  # how far ahead a series is searched
_LOOKAHEAD_DAYS = 31  # items kept by _pick after the first one after today

# when two contacts fall at the same instant, the first of these goes first
_PRIORITY = {
    ContactKind.CALLBACK: 0,
    ContactKind.PROMISE_BROKEN: 1,
    ContactKind.PROMISE_DAY: 2,
    ContactKind.INSTALLMENT: 3,
    ContactKind.STEP: 4,
    ContactKind.THANK_YOU: 5,
}


def history_days(settings: CadenceSettings) -> int:
    """How many days of sent reminders the planner must see to never repeat a step."""
    steps = sorted(settings.steps)
    gaps = [b - a for a, b in zip(steps, steps[1:], strict=False)]
    spans = [settings.repeat_every_days, *gaps]
    inst = settings.installment_reminder_days
    if inst:
        spans.append(max(inst) - min(inst) + 31)  # monthly installments
    return max(MIN_HISTORY_DAYS, max(spans) + 2)


def idempotency_key(debtor_id: int, step: str, day: date) -> str:
    return f"{debtor_id}:{step}:{day.isoformat()}"


@dataclass(frozen=True)
class _Item:
    """One element of a series of reminders: the day it applies and how to build it."""

    day: date
    step: str
    template: str
    kind: ContactKind
    vars: tuple[tuple[str, str], ...] = ()

    @cached_property
    def key_suffix(self) -> str:
        """The idempotency key without the debtor: built once per (shared) item."""
        return f"{self.step}:{self.day.isoformat()}"


def plan_next_contact(
    facts: DebtorFacts, now: datetime, settings: CadenceSettings, tz: str
) -> PlannedContact | None:
    """The next contact for this debtor at or after ``now``, or None when there is none.

    ``tz`` is the deployment's timezone, used when the debtor has none of their own.
    """
    if now.tzinfo is None:
        raise ValueError("plan_next_contact needs a timezone-aware now")
    if not settings.enabled or settings.weekly_cap <= 0:
        return None
    if facts.opted_out or facts.contact_invalid or facts.disputed or facts.agent_holding:
        return None
    cal = calendar_for(settings, facts.timezone or tz, facts.state)
    capped = _after_cap(facts, now, settings.weekly_cap)
    if facts.paid:
        return _thank_you(facts, capped, cal)
    earliest = capped
    if facts.paused_until is not None:
        earliest = max(earliest, cal.start_of_day(facts.paused_until + timedelta(days=1)))

    candidates: list[PlannedContact] = []
    callbacks = [cb for cb in facts.callbacks if _pending(facts, cb, cal)]
    candidates.extend(_callback(facts, cb, earliest, cal) for cb in callbacks)
    earliest = _one_per_day(facts, earliest, cal)
    if facts.promise is not None:
        candidates.extend(_promise_contacts(facts, earliest, cal, settings))
    if facts.agreement_status == "active":
        found = _pick(facts, _installment_series(facts, settings), earliest, cal, covered=None)
        if found is not None:
            candidates.append(found)
    elif facts.agreement_status is None:
        earliest = _after_gap(facts, earliest, timedelta(hours=settings.min_gap_hours), cal)
        series = _step_series(facts, settings, cal.local_date(earliest))
        found = _pick(facts, series, earliest, cal, covered=_covered_until(facts, cal))
        if found is not None:
            candidates.append(found)
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c.at, _PRIORITY[c.kind]))


def preview(
    facts: DebtorFacts, start: datetime, days: int, settings: CadenceSettings, tz: str
) -> list[PlannedContact]:
    """The contacts of the next ``days`` days, assuming each is sent and none is answered."""
    end = start + timedelta(days=days)
    plan: list[PlannedContact] = []
    now = start
    for _ in range(days * 10 + 10):  # a hard bound; each round sends one new key
        contact = plan_next_contact(facts, now, settings, tz)
        if contact is None or contact.at >= end:
            break
        plan.append(contact)
        facts = facts.after_send(contact)
        now = contact.at
    return plan


# --- limits ------------------------------------------------------------------------------


def sends_in_window(facts: DebtorFacts, at: datetime) -> int:
    """Business-initiated messages in the rolling 7 days ending at ``at``."""
    return sum(1 for sent in facts.business_sends if at - WEEK < sent <= at)


def _after_cap(facts: DebtorFacts, now: datetime, cap: int) -> datetime:
    """``now``, or the first instant after it when the rolling week has room again."""
    recent = sorted(sent for sent in facts.business_sends if sent > now - WEEK)
    if len(recent) < cap:
        return now
    return max(now, recent[-cap] + WEEK)


def _after_gap(
    facts: DebtorFacts, earliest: datetime, gap: timedelta, cal: ContactCalendar
) -> datetime:
    """Collection steps wait ``gap`` after the last business-initiated message.

    Only the unsolicited steps: a callback the debtor asked for, the promised day and the
    installment dates of an agreement are what the debtor agreed to, and go on their day."""
    if gap <= timedelta(0) or not facts.business_sends:
        return earliest
    last = max(facts.business_sends)
    if facts.last_promise_due is not None:
        # the first contact after a broken promise follows up the debtor's own commitment
        broken_from = cal.start_of_day(facts.last_promise_due + timedelta(days=1))
        if last < broken_from:
            return max(earliest, broken_from)
    return max(earliest, last + gap)


def _one_per_day(facts: DebtorFacts, earliest: datetime, cal: ContactCalendar) -> datetime:
    """Scheduled contacts skip a local day that already had a business-initiated message
    (a callback the debtor asked for is exempt: it goes at its time)."""
    days = {cal.local_date(sent) for sent in facts.business_sends}
    while cal.local_date(earliest) in days:
        earliest = cal.start_of_day(cal.local_date(earliest) + timedelta(days=1))
    return earliest


def _covered_until(facts: DebtorFacts, cal: ContactCalendar) -> date | None:
    """Debt steps on or before this day are skipped: promises and callbacks covered them."""
    days: list[date] = []
    if facts.last_promise_due is not None:
        days.append(facts.last_promise_due)
    if facts.promise is not None:
        days.append(facts.promise.due + timedelta(days=1))
    days.extend(cal.local_date(cb.at) for cb in facts.callbacks)
    return max(days) if days else None


# --- series and picking ------------------------------------------------------------------


def _pick(
    facts: DebtorFacts,
    series: Iterator[_Item],
    earliest: datetime,
    cal: ContactCalendar,
    covered: date | None,
) -> PlannedContact | None:
    """The latest item that applies at ``earliest``, or else the next one; one message only.

    An item applies from the start of its day. If the first allowed instant for it falls on
    or after a later item's day, that later item replaces it. ``series`` is in day order.
    """
    today = cal.local_date(earliest)
    current: _Item | None = None  # the latest item on or before today
    upcoming: list[_Item] = []  # the next few items after today
    horizon = timedelta(days=_LOOKAHEAD_DAYS)
    for item in series:
        if covered is not None and item.day <= covered:
            continue
        if item.day <= today:
            current = item
            continue
        if upcoming and item.day > upcoming[0].day + horizon:
            break
        upcoming.append(item)
    if current is not None and _key(facts, current) not in facts.sent_keys:
        chosen = current
    elif upcoming:
        chosen = upcoming.pop(0)
    else:
        return None
    at = cal.next_allowed(max(earliest, cal.start_of_day(chosen.day)))
    while upcoming and upcoming[0].day <= cal.local_date(at):
        chosen = upcoming.pop(0)
    if _key(facts, chosen) in facts.sent_keys:
        return None
    return _contact(facts, chosen, at)


def _key(facts: DebtorFacts, item: _Item) -> str:
    # idempotency_key(facts.debtor_id, item.step, item.day), from the item's cached part
    return f"{facts.debtor_id}:{item.key_suffix}"


def _contact(facts: DebtorFacts, item: _Item, at: datetime) -> PlannedContact:
    values = dict(item.vars)
    values["step"] = item.step
    if item.kind is ContactKind.STEP:
        values.update(_step_vars(facts, item, at.date()))
    return PlannedContact(
        debtor_id=facts.debtor_id,
        at=at,
        template=item.template,
        idempotency_key=_key(facts, item),
        kind=item.kind,
        step=item.step,
        vars=values,
    )


def _step_series(facts: DebtorFacts, settings: CadenceSettings, today: date) -> Iterator[_Item]:
    """Debt steps from the oldest open due date, repeating after the last one."""
    open_dues = [debt.due for debt in facts.debts if debt.balance > ZERO]
    if not open_dues or not settings.steps:
        return
    anchor = min(open_dues)
    offsets = sorted(set(settings.steps))
    limit = today + timedelta(days=_HORIZON_DAYS)
    repeat = settings.repeat_every_days
    past = (today - anchor).days  # offsets up to this one fall on or before today
    if repeat > 0 and offsets[-1] + repeat <= past:
        first = len(offsets)  # a repeat on or before today outdates every fixed step
    else:
        # _pick keeps only the latest item on or before today (an earlier one is covered
        # whenever that one is): the fixed steps before it need not be built
        first = max(0, sum(1 for offset in offsets if offset <= past) - 1)
    for offset in offsets[first:]:
        yield _step_item(anchor, offset)
    if repeat <= 0:
        return
    # skip the repeats before the latest one on or before today: they can never apply
    skipped = max(0, ((today - anchor).days - offsets[-1]) // repeat - 1)
    offset = offsets[-1] + repeat * (1 + skipped)
    while anchor + timedelta(days=offset) <= limit:
        yield _step_item(anchor, offset)
        offset += repeat


INSTALLMENT_TEMPLATE = "installment_due"


def step_template(days_after_due: int) -> str:
    """The debt reminder for a day ``days_after_due`` days after the oldest open due date
    (negative: before it). The one place that chooses it, for the cadence and by hand."""
    if days_after_due < 0:
        return "due_soon"
    if days_after_due == 0:
        return "due_today"
    return "overdue"


@lru_cache(maxsize=65536)
def _step_item(anchor: date, offset: int) -> _Item:
    """Pure in (anchor, offset), and shared: a portfolio has few distinct due dates, so a
    million debtors reuse a few thousand items instead of building ten each."""
    return _Item(
        day=anchor + timedelta(days=offset),
        step=f"d{offset:+d}",
        template=step_template(offset),
        kind=ContactKind.STEP,
        vars=(("due", anchor.isoformat()),),
    )


def _step_vars(facts: DebtorFacts, item: _Item, day: date) -> dict[str, str]:
    """Amounts as of the day the message goes."""
    owed = [debt for debt in facts.debts if debt.balance > ZERO]
    anchor = min(debt.due for debt in owed)
    total = sum((debt.balance for debt in owed), ZERO)
    values = {"total": str(money(total)), "due": anchor.isoformat()}
    if item.template == "due_soon":
        on_anchor = sum((d.balance for d in owed if d.due == anchor), ZERO)
        values.update(amount=str(money(on_anchor)), days=str((anchor - day).days))
    elif item.template == "due_today":
        today_amount = sum((d.balance for d in owed if d.due <= day), ZERO)
        values.update(amount=str(money(today_amount)), days="0")
    else:
        overdue = sum((d.balance for d in owed if d.due < day), ZERO)
        values.update(amount=str(money(overdue)), days_overdue=str((day - anchor).days))
    return values


def _installment_series(facts: DebtorFacts, settings: CadenceSettings) -> Iterator[_Item]:
    """Before/on/after reminders of every unpaid installment of the active agreement."""
    items: list[_Item] = []
    for inst in facts.open_installments:
        for offset in sorted(set(settings.installment_reminder_days)):
            when = "before" if offset < 0 else "on" if offset == 0 else "after"
            items.append(
                _Item(
                    day=inst.due + timedelta(days=offset),
                    step=f"inst{inst.agreement_id}.{inst.number}{offset:+d}",
                    template=INSTALLMENT_TEMPLATE,
                    kind=ContactKind.INSTALLMENT,
                    vars=(
                        ("agreement_id", str(inst.agreement_id)),
                        ("number", str(inst.number)),
                        ("due", inst.due.isoformat()),
                        ("amount", str(money(inst.amount))),
                        ("days", str(offset)),
                        ("when", when),
                    ),
                )
            )
    items.sort(key=lambda item: (item.day, item.vars))
    yield from items


# --- promises, callbacks, thanks ---------------------------------------------------------


def _promise_contacts(
    facts: DebtorFacts, earliest: datetime, cal: ContactCalendar, settings: CadenceSettings
) -> list[PlannedContact]:
    promise = facts.promise
    assert promise is not None
    values = (
        ("promise_due", promise.due.isoformat()),
        ("promise_amount", str(money(promise.amount))),
        ("total", str(money(facts.balance))),
    )
    found: list[PlannedContact] = []
    day_item = _Item(
        day=promise.due,
        step=f"promise{promise.id}",
        template="promise_day",
        kind=ContactKind.PROMISE_DAY,
        vars=values,
    )
    morning = datetime.combine(promise.due, _reminder_time(settings), tzinfo=cal.zone)
    if _key(facts, day_item) not in facts.sent_keys and cal.local_date(earliest) <= promise.due:
        at = cal.next_allowed(max(earliest, morning))
        if cal.local_date(at) == promise.due:  # only on the day itself
            found.append(_contact(facts, day_item, at))
    broken_day = promise.due + timedelta(days=1)
    broken_item = _Item(
        day=broken_day,
        step=f"promise{promise.id}-broken",
        template="promise_broken",
        kind=ContactKind.PROMISE_BROKEN,
        vars=(*values, ("offers", "true")),
    )
    if _key(facts, broken_item) not in facts.sent_keys:
        at = cal.next_allowed(max(earliest, cal.start_of_day(broken_day)))
        found.append(_contact(facts, broken_item, at))
    return found


def _reminder_time(settings: CadenceSettings) -> time:
    return time.fromisoformat(settings.promise_reminder_time)


def _callback_item(cb: CallbackFact, cal: ContactCalendar) -> _Item:
    return _Item(
        day=cal.local_date(cb.at),
        step=f"callback{cb.id}",
        template="callback",
        kind=ContactKind.CALLBACK,
        vars=(
            ("callback_id", str(cb.id)),
            ("reason", cb.reason),
            ("requested_at", cal.localize(cb.at).isoformat()),
        ),
    )


def _pending(facts: DebtorFacts, cb: CallbackFact, cal: ContactCalendar) -> bool:
    return not cb.done and _key(facts, _callback_item(cb, cal)) not in facts.sent_keys


def _callback(
    facts: DebtorFacts, cb: CallbackFact, earliest: datetime, cal: ContactCalendar
) -> PlannedContact:
    at = cal.next_allowed(max(earliest, cb.at))
    return _contact(facts, _callback_item(cb, cal), at)


def _thank_you(
    facts: DebtorFacts, earliest: datetime, cal: ContactCalendar
) -> PlannedContact | None:
    """A thank-you once everything is paid, unless the business already wrote since."""
    settled = facts.settled_at
    if settled is None:
        return None
    if any(sent >= settled for sent in facts.business_sends):
        return None
    item = _Item(
        day=cal.local_date(settled),
        step="thanks",
        template="thank_you",
        kind=ContactKind.THANK_YOU,
        vars=(("paid_at", cal.local_date(settled).isoformat()),),
    )
    at = cal.next_allowed(max(earliest, settled))
    if _key(facts, item) in facts.sent_keys or at - settled > WEEK:
        return None  # sent, or too late to thank
    return _contact(facts, item, at)
