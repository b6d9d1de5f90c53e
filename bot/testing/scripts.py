"""``quita test conversations``: whole conversations in YAML, run on the full in-process stack.

Each script gets a temporary SQLite database, in-process locks and queue, recording
channels and a clock it controls. Format: see DESIGN.md, "Conversation scripts".
"""

from __future__ import annotations

import asyncio
import base64
import re
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from bot.channels.recording import RecordingChannel
from bot.config import Settings, load_settings
from bot.core.clock import FixedClock, parse_iso
from bot.core.domain import InboundMessage, Media
from bot.core.enums import EventKind, Role
from bot.core.parse import Interpreter
from bot.core.sanitize import provider_key
from bot.offers.book import load_offer_book
from bot.resources import resource_path
from bot.runtime.service import Runtime, build_runtime
from bot.store.db import fresh_sqlite
from bot.store.portfolio import DebtorRecord, DebtRecord, PortfolioRepository
from bot.store.tables import (
    Contact,
    Conversation,
    DeadLetter,
    Debt,
    Event,
    Message,
    User,
)

CHANNELS = ("whatsapp", "telegram", "sms")
MEDIA_TYPES = {
    "audio": "audio/ogg",
    "image": "image/jpeg",
    "document": "application/pdf",
    "sticker": "image/webp",
    "video": "video/mp4",
}
STEP_KINDS = (
    "send_reminder",
    "user",
    "user_media",
    "advance",
    "payment",
    "pix_paid",
    "receipt_review",
    "agent",
    "portal",
    "expect",
)

# A debtor turn counts as "not understood" when the dialogue routed it to its fallback, the
# ``not_understood`` handler (DESIGN.md: low confidence or out_of_scope). That handler is the
# only one that answers with these responses or hands off for this reason, so the turn's
# recorded actions tell it apart. Deliberately NOT counted: ``identity_required`` (the message
# was understood; policy withholds details until the person is verified), ``media_text_only``
# (a voice note or sticker is answered on purpose), and turns nobody answers because an agent
# holds the chat.
NOT_UNDERSTOOD_RESPONSES = frozenset(
    # "answer_other_question" ("essa eu fico devendo") is the same handler's first rung for a
    # question no data answers: honest, but the debtor's question went unanswered
    {
        "not_understood",
        "not_understood_offer_human",
        "handoff_not_understood",
        "answer_other_question",
    }
)
NOT_UNDERSTOOD_HANDOFF = "not_understood"


class ScriptError(ValueError):
    """The script itself is malformed (not a failed expectation)."""


@dataclass
class ScriptResult:
    name: str
    path: str
    passed: bool
    failures: list[str] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    user_turns: int = 0
    not_understood_turns: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "failures": self.failures,
            "user_turns": self.user_turns,
            "not_understood_turns": self.not_understood_turns,
        }


def is_not_understood(actions: list[Any] | None) -> bool:
    """Whether a turn's recorded actions (``Message.actions``) are the fallback's answer."""
    for action in actions or []:
        if not isinstance(action, dict):
            continue
        kind = action.get("type")
        if kind == "Reply" and action.get("response") in NOT_UNDERSTOOD_RESPONSES:
            return True
        if kind == "HandOff" and action.get("reason") == NOT_UNDERSTOOD_HANDOFF:
            return True
    return False


def parse_duration(text: str) -> timedelta:
    """'2h', '3d', '30m', '1w', '1d12h'."""
    units = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    parts = re.findall(r"(\d+)\s*([wdhms])", str(text).strip().lower())
    if not parts or "".join(n + u for n, u in parts) != re.sub(r"\s", "", str(text).lower()):
        raise ScriptError(f"advance: {text!r} is not a duration like 2h, 3d, 30m")
    kwargs: dict[str, float] = {}
    for number, unit in parts:
        kwargs[units[unit]] = kwargs.get(units[unit], 0) + int(number)
    return timedelta(**kwargs)


_INTERPRETERS: dict[tuple[str, str], Interpreter] = {}


def shared_interpreter(settings: Settings) -> Interpreter:
    """Train or load the NLU model once per process, not once per script."""
    from bot.nlu import build_interpreter

    key = (settings.nlu.backend, str(settings.nlu.model_path))
    if key not in _INTERPRETERS:
        _INTERPRETERS[key] = build_interpreter(settings)
    return _INTERPRETERS[key]


class ScriptRun:
    """One script against a fresh stack."""

    def __init__(self, script: dict[str, Any], path: Path, workdir: Path) -> None:
        self.script = script
        self.path = path
        self.failures: list[str] = []
        self.transcript: list[str] = []
        debtor = script.get("debtor") or {}
        self.channel = str(debtor.get("channel", "whatsapp"))
        if self.channel not in CHANNELS:
            raise ScriptError(f"debtor.channel must be one of {', '.join(CHANNELS)}")
        self.address = str(debtor.get("address") or "+5511900000000")
        overrides = dict(script.get("settings") or {})
        overrides["database_url"] = fresh_sqlite(workdir / "script.db")
        overrides["redis_url"] = None
        self.settings = load_settings(overrides=overrides, environ={})
        self.clock = FixedClock(parse_iso(str(script["now"])))
        offers_path = script.get("offers")
        book_path = (
            path.parent / offers_path if offers_path else resource_path(self.settings.offers.path)
        )
        self.recorders = {name: RecordingChannel(name) for name in CHANNELS}
        book = load_offer_book(book_path)
        from bot.payments.scripted import scripted_provider

        # payments.provider bacen_pix: an in-process stand-in PSP (see the pix_paid step)
        self.psp, provider = scripted_provider(self.settings, book)
        self.runtime: Runtime = build_runtime(
            self.settings,
            clock=self.clock,
            channels=dict(self.recorders),
            interpreter=shared_interpreter(self.settings),
            book=book,
            payments=provider,
        )
        self.debtor_id, self.agent_id = self.runtime.in_transaction(self._seed)
        self.mark = 0
        self.event_mark = 0  # the last event's id when the step began: "nothing since"
        self.sent: list[str] = []  # what reached the debtor, in order
        self.pending_reminders: list[tuple[datetime, str]] = []
        self.user_turns = 0
        self.not_understood_turns = 0
        self.portal_visit: Any = None  # the page's state for ``portal:`` steps

    def _seed(self, session: Any) -> tuple[int, int]:
        data = self.script.get("debtor") or {}
        now = self.clock.now()
        repo = PortfolioRepository(session)
        debtor, _ = repo.upsert_debtor(
            DebtorRecord(
                ref=str(data.get("ref", "D-1")),
                name=str(data.get("name", "Cliente Teste")),
                language=str(data.get("language", "pt")),
                document=data.get("document"),
                segment=data.get("segment"),
                birth_date=_day(data.get("birth_date")),
            ),
            now,
        )
        repo.ensure_contact(debtor, self.channel, self.address, now)
        for item in data.get("debts") or []:
            repo.upsert_debt(
                debtor,
                DebtRecord(
                    ref=str(item["ref"]),
                    description=str(item.get("description", "")),
                    amount=Decimal(str(item["amount"])),
                    due=date.fromisoformat(str(item["due"])),
                ),
                now,
            )
        agent = User(
            email="agent@script",
            name="Agente",
            role=Role.AGENT,
            password_hash="!",
            created_at=now,
        )
        session.add(agent)
        session.flush()
        return debtor.id, agent.id

    # --- steps --------------------------------------------------------------------------

    async def run(self) -> None:
        await self.runtime.start(background=False)
        try:
            for number, step in enumerate(self.script.get("steps") or [], start=1):
                if not isinstance(step, dict) or len(step) != 1:
                    raise ScriptError(f"step {number}: one key per step ({', '.join(STEP_KINDS)})")
                kind, arg = next(iter(step.items()))
                if kind not in STEP_KINDS:
                    raise ScriptError(f"step {number}: unknown step {kind!r}")
                if kind != "expect":
                    self.mark = len(self.sent)
                    self.event_mark = self.runtime.in_transaction(_last_event_id)
                await getattr(self, f"step_{kind}")(arg, number)
            # a text that could not be rendered was answered with "a person will answer",
            # which the expectations may not notice: the script fails, naming the text
            self.failures.extend(self.runtime.in_transaction(_texts_not_rendered))
        finally:
            await self.runtime.stop()
            self.runtime.engine.dispose()

    async def step_send_reminder(self, arg: Any, number: int) -> None:
        from bot.conversation.reminders import reminder_for_now

        now = self.clock.now()
        plan = self.runtime.in_transaction(
            lambda s: reminder_for_now(s, self.debtor_id, now, self.settings)
        )
        if plan is None:
            self.transcript.append(f"[{number}] send_reminder: nothing to send")
            return
        at, template = plan
        if at <= now:
            self.runtime.outreach.remind_sync(self.debtor_id, template, f"script:{number}", {})
            await self._drain()
        else:
            self.pending_reminders.append((at, template))
            self.transcript.append(f"[{number}] reminder {template} waits until {at.isoformat()}")

    async def step_user(self, arg: Any, number: int) -> None:
        text = str(arg)
        self.transcript.append(f"debtor: {text}")
        await self._debtor_turn(self._inbound(text), number)

    async def step_user_media(self, arg: Any, number: int) -> None:
        kind = str((arg or {}).get("type", "image"))
        if kind not in MEDIA_TYPES:
            raise ScriptError(f"step {number}: user_media type must be one of {list(MEDIA_TYPES)}")
        url = f"https://media.invalid/{uuid.uuid4().hex}"
        if kind == "document" and (arg or {}).get("pdf"):  # a receipt with a text layer
            from bot.testing.pdf import text_pdf

            data = base64.b64encode(text_pdf([str(x) for x in arg["pdf"]])).decode()
            url = f"data:application/pdf;base64,{data}"
        media = Media(kind=kind, url=url, content_type=MEDIA_TYPES[kind])
        self.transcript.append(f"debtor: <{kind}>")
        await self._debtor_turn(self._inbound("", media=(media,)), number)

    async def _debtor_turn(self, inbound: InboundMessage, number: int) -> None:
        """Deliver one debtor message and count it (and whether the bot fell back). A turn
        that failed (kept as a dead letter, the debtor left without an answer) fails the
        script: it is the worst thing a turn can do, not a pass with no reply."""
        line = len(self.transcript) - 1  # the "debtor: ..." line just written
        await self.runtime.inbound.receive(inbound)
        self.user_turns += 1
        failed = self.runtime.in_transaction(
            lambda s: s.scalar(
                select(DeadLetter.error).where(
                    DeadLetter.provider_id == provider_key(inbound.provider_id)[:200]
                )
            )
        )
        if failed is not None:
            self.failures.append(f"step {number}: the turn failed ({failed})")
            self.transcript[line] += f"   <- FAILED: {failed}"
        if self._fell_back(inbound.provider_id):
            self.not_understood_turns += 1
            self.transcript[line] += "   <- not understood"
        await self._drain()

    def _fell_back(self, provider_id: str) -> bool:
        def work(session: Any) -> bool:
            actions = session.scalar(
                select(Message.actions).where(
                    Message.direction == "in",
                    Message.channel == self.channel,
                    Message.provider_id == provider_id,
                )
            )
            return is_not_understood(actions)

        return bool(self.runtime.in_transaction(work))

    async def step_advance(self, arg: Any, number: int) -> None:
        end = self.clock.now() + parse_duration(str(arg))
        tick = self.clock.now()
        while tick < end:
            tick = min(end, _next_hour(tick))
            self.clock.set(tick)
            await self._tick()
        self.transcript.append(f"[{number}] advanced to {self.clock.now().isoformat()}")

    async def _tick(self) -> None:
        from bot.cadence.runner import run_pass

        await self.runtime.outreach.housekeeping()
        now = self.clock.now()
        for at, template in list(self.pending_reminders):
            if at <= now:
                self.pending_reminders.remove((at, template))
                self.runtime.outreach.remind_sync(
                    self.debtor_id, template, f"script:{at.isoformat()}", {}
                )
        await asyncio.to_thread(
            run_pass, self.runtime.db, self.settings, self.clock, self.runtime.outreach.remind_sync
        )
        await self._drain()

    async def step_payment(self, arg: Any, number: int) -> None:
        arg = arg or {}
        ref = arg.get("ref") or self._first_debt_ref()
        await self.runtime.outreach.confirm_payment(
            str(ref),
            Decimal(str(arg["amount"])),
            self.clock.now(),
            source="script",
            dedupe_key=f"script:{number}",
        )
        await self._drain()

    async def step_pix_paid(self, arg: Any, number: int) -> None:
        """The payer pays the last charge sent (``amount`` defaults to its own); the PSP
        notifies unless ``webhook: false`` (a lost notification, for the sync to find)."""
        from bot.payments.scripted import pay_last_charge, pay_to_key

        arg = arg or {}
        amount = Decimal(str(arg["amount"])) if "amount" in arg else None
        if arg.get("to_key"):  # no charge: straight to the key, for a receipt to match
            if amount is None:
                raise ScriptError(f"step {number}: pix_paid to_key needs an amount")
            line = pay_to_key(self.runtime, self.psp, amount)
        else:
            webhook = bool(arg.get("webhook", 1))
            line = await pay_last_charge(self.runtime, self.psp, amount, webhook)
        self.transcript.append(f"[{number}] {line}")
        await self._drain()

    async def step_receipt_review(self, arg: Any, number: int) -> None:
        """A person decides the newest receipt under review: ``{action: confirm|reject,
        amount?}`` (what the console's buttons do)."""
        from bot.payments.scripted import review_last_receipt

        arg = arg or {}
        action = str(arg.get("action", "confirm"))
        if action not in ("confirm", "reject"):
            raise ScriptError(f"step {number}: receipt_review action must be confirm|reject")
        amount = Decimal(str(arg["amount"])) if "amount" in arg else None
        self.transcript.append(
            f"[{number}] {await review_last_receipt(self.runtime, action, amount)}"
        )
        await self._drain()

    async def step_agent(self, arg: Any, number: int) -> None:
        action = str((arg or {}).get("action", ""))
        conversation_id = self._conversation_id()
        if conversation_id is None:
            raise ScriptError(f"step {number}: no conversation for the agent yet")
        if action == "take":
            await self.runtime.desk.take(conversation_id, self.agent_id)
        elif action == "reply":
            await self.runtime.desk.reply(conversation_id, self.agent_id, str(arg.get("text", "")))
        elif action == "release":
            await self.runtime.desk.release(conversation_id, self.agent_id)
        elif action == "close":
            await self.runtime.desk.close(conversation_id, self.agent_id)
        else:
            raise ScriptError(f"step {number}: agent action must be take|reply|release|close")
        await self._drain()

    async def step_portal(self, arg: Any, number: int) -> None:
        """The debtor uses the self-service page (``bot.testing.portal_step``)."""
        from bot.testing.portal_step import portal_step

        await portal_step(self, arg, number)

    async def drain(self) -> None:
        await self._drain()

    async def step_expect(self, arg: Any, number: int) -> None:
        from bot.testing.expectations import check

        if not isinstance(arg, dict):
            raise ScriptError(f"step {number}: expect needs a mapping")
        failures = self.runtime.in_transaction(lambda s: check(s, self, arg))
        self.failures.extend(f"step {number}: {f}" for f in failures)

    # --- helpers ------------------------------------------------------------------------

    def _inbound(self, text: str, media: tuple[Media, ...] = ()) -> InboundMessage:
        return InboundMessage(
            channel=self.channel,
            address=self.address,
            provider_id=uuid.uuid4().hex,
            text=text,
            received_at=self.clock.now(),
            media=media,
        )

    async def _drain(self) -> None:
        await self.runtime.drain_outbox()
        for recorder in self.recorders.values():
            while recorder.sent:
                text = recorder.sent.pop(0).text
                self.sent.append(text)
                self.transcript.append(f"bot: {text}")

    def _conversation_id(self) -> int | None:
        def work(session: Any) -> int | None:
            found: int | None = session.scalar(
                select(Conversation.id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Contact.debtor_id == self.debtor_id)
                .order_by(Conversation.last_message_at.desc().nulls_last())
            )
            return found

        return self.runtime.in_transaction(work)

    def _first_debt_ref(self) -> str:
        def work(session: Any) -> str:
            ref = session.scalar(
                select(Debt.ref).where(Debt.debtor_id == self.debtor_id).order_by(Debt.id)
            )
            if ref is None:
                raise ScriptError("payment: the debtor has no debts")
            return str(ref)

        return self.runtime.in_transaction(work)


def _texts_not_rendered(session: Any) -> list[str]:
    events = session.scalars(select(Event).where(Event.kind == EventKind.HANDOFF))
    return [
        f"the text {e.data.get('response')!r} could not be rendered "
        "(see the log: reply.render_failed)"
        for e in events
        if (e.data or {}).get("reason") == "reply_failed"
    ]


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def _next_hour(when: datetime) -> datetime:
    return when.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def load_script(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "steps" not in data or "now" not in data:
        raise ScriptError("a script needs at least `now` and `steps`")
    return data


def run_script(path: Path) -> ScriptResult:
    name = path.stem
    try:
        script = load_script(path)
        name = str(script.get("name", name))
        with tempfile.TemporaryDirectory(prefix="quita-script-") as tmp:
            run = ScriptRun(script, path, Path(tmp))
            asyncio.run(run.run())
            return ScriptResult(
                name=name,
                path=str(path),
                passed=not run.failures,
                failures=run.failures,
                transcript=run.transcript,
                user_turns=run.user_turns,
                not_understood_turns=run.not_understood_turns,
            )
    except (ScriptError, KeyError, ValueError, yaml.YAMLError) as exc:
        return ScriptResult(name=name, path=str(path), passed=False, failures=[f"script: {exc}"])


def collect(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.yml") if not _is_offer_book(p))
        else:
            found.append(path)
    return found


def _is_offer_book(path: Path) -> bool:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return False
    return isinstance(data, dict) and "tiers" in data and "steps" not in data


def _last_event_id(session: Any) -> int:
    return int(session.scalar(select(func.max(Event.id))) or 0)
