"""``quita bench load``: whole turns measured from outside, as a provider sees them.

The bench starts the app as separate processes (``quita serve``; in production mode P of
them plus ``quita worker``, on PostgreSQL and Redis), a Twilio REST stand-in in this
process, and sends signed Twilio WhatsApp webhooks over real HTTP on 127.0.0.1, K at a time,
each chat's messages in order (a chat's next message goes once its previous webhook was
answered). Figures:

- ``turns_per_second``: messages / (first webhook sent -> last reply at the stand-in);
- ``webhook_p50_ms`` / ``p99``: the webhook's HTTP round trip;
- ``reply_p50_ms`` / ``p99``: webhook sent -> that turn's first reply at the stand-in (the
  turn's first outbound row after its inbound row, matched through the provider sids);
- ``rss_mb``: peak resident memory of each app process;
- ``bench_cpu_seconds``: what the load generator and the stand-in themselves used (they share
  the machine with the app: a bench near a full core would be measuring itself).

``--paced`` models people chatting: a chat's next message waits for its previous one's reply
(at most ``reply_wait_seconds``), so K chats have at most K turns in flight. Unpaced, a chat's
next message goes once the previous webhook was answered: the offered load is as fast as the
webhooks are answered, a backlog builds, and the reply figures measure that backlog.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bot.bench.standins import TwilioRestStandIn
from bot.bench.stats import percentiles

ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token"
BUSINESS_NUMBER = "+5511400000000"
TEXTS = (
    "oi",
    "sou eu",
    "quanto eu devo?",
    "vou pagar na sexta",
    "dá pra parcelar em 3x?",
    "to sem dinheiro esse mes",
    "me manda o pix",
    "obrigado",
)


@dataclass(frozen=True)
class LoadOptions:
    mode: str = "embedded"  # embedded | production
    messages: int = 600
    chats: int = 60
    concurrency: int = 32
    processes: int = 2  # web processes, production mode
    port: int = 18130  # first app port; the stand-in takes port + 9
    database_url: str | None = None  # production: a server; a fresh database is made on it
    redis_url: str | None = None
    timeout_seconds: float = 300.0
    profile_dir: Path | None = None  # cProfile each app process into this folder
    paced: bool = False  # a chat writes again once answered (see the module's doc)
    reply_wait_seconds: float = 10.0


@dataclass
class _Run:
    sent_at: dict[str, float] = field(default_factory=dict)  # MessageSid -> perf_counter
    webhook_ms: list[float] = field(default_factory=list)
    errors: int = 0
    first_sent: float = 0.0


def signature(url: str, params: dict[str, str]) -> str:
    """Twilio's X-Twilio-Signature: HMAC-SHA1 of the URL and the sorted form fields."""
    data = url + "".join(key + params[key] for key in sorted(params))
    digest = hmac.new(AUTH_TOKEN.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def phone(index: int) -> str:
    return f"+55119{index:08d}"


class _Connection:
    """One keep-alive HTTP/1.1 connection (cheaper than a full client: the bench shares
    the CPU with the app it measures)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> int:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        head.append(f"Content-Length: {len(body)}")
        self._writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await self._writer.drain()
        raw = await self._reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        length, chunked = 0, False
        for line in lines[1:]:
            key, _, value = line.partition(":")
            if key.lower() == "content-length":
                length = int(value)
            if key.lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if chunked:
            while True:
                size = int((await self._reader.readline()).strip() or b"0", 16)
                await self._reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await self._reader.readexactly(length)
        return status

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


async def _wait_healthy(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        conn = _Connection("127.0.0.1", port)
        try:
            if await conn.request("GET", "/healthz", b"", {}) == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        await asyncio.sleep(0.05)
    raise RuntimeError(f"the app on port {port} did not answer /healthz in time")


def _rss_peak_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time the process has used: a figure the machine's load does not
    inflate the way it inflates latencies."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _config_file(folder: Path, options: LoadOptions) -> Path:
    """The bench's config: the send rate lifted (the stand-in has no limit), no cadence
    (its reminders would be messages nobody asked for), no Telegram."""
    path = folder / "config.yml"
    path.write_text(
        "cadence:\n  enabled: false\n"
        "channels:\n"
        "  telegram:\n    enabled: false\n"
        "  twilio:\n    messages_per_second: 100000\n    whatsapp_messages_per_second: 100000\n",
        encoding="utf-8",
    )
    return path


def _compile_texts(config: Path) -> None:
    """The texts' compiled code kept before the app starts, as any start after the first
    finds it (``bot.dialogue.compiled_cache``): the figures are of an app that has run
    before, not of the minute after a change to ``dialogues/``."""
    from bot.config import load_settings
    from bot.resources import resource_path
    from bot.runtime.service import DIALOGUES_DIR, cache_responses, load_responses

    cache = load_settings(config, environ={}).responses_cache
    cache_responses(load_responses(resource_path(DIALOGUES_DIR), cache), cache)


def _seed(database_url: str, debtors: int) -> None:
    from datetime import timedelta
    from decimal import Decimal

    from bot.core.clock import SystemClock
    from bot.store.db import make_engine, make_sessionmaker, transaction, upgrade
    from bot.store.portfolio import DebtorRecord, DebtRecord, PortfolioRepository

    upgrade(database_url)
    engine = make_engine(database_url)
    now = SystemClock().now()
    with transaction(make_sessionmaker(engine)) as session:
        repo = PortfolioRepository(session)
        for i in range(debtors):
            debtor, _ = repo.upsert_debtor(
                DebtorRecord(ref=f"L-{i}", name=f"Cliente {i}", phone=phone(i)), now
            )
            repo.upsert_debt(
                debtor,
                DebtRecord(
                    ref=f"L-{i}-1",
                    description="Produto",
                    amount=Decimal("450.00"),
                    due=(now - timedelta(days=10)).date(),
                ),
                now,
            )
    engine.dispose()


def _postgres_database(server_url: str) -> tuple[str, Any]:
    """A fresh database on the server of ``server_url``; returns its URL and a dropper."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"quita_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    fresh = url.set(database=name).render_as_string(False)
    return fresh.replace("postgresql+psycopg://", "postgresql://", 1), drop


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


async def _drive(
    options: LoadOptions,
    ports: list[int],
    public_url: str,
    run: _Run,
    stand_in: TwilioRestStandIn | None = None,
) -> None:
    """Send every message: K workers, chats handed out round robin, one chat in order."""
    per_chat = [options.messages // options.chats] * options.chats
    for i in range(options.messages % options.chats):
        per_chat[i] += 1
    ready: deque[int] = deque(range(options.chats))
    position = [0] * options.chats
    path = "/webhooks/twilio"
    url = public_url.rstrip("/") + path
    run.first_sent = time.perf_counter()

    async def worker(index: int) -> None:
        conn = _Connection("127.0.0.1", ports[index % len(ports)])
        try:
            while ready:
                chat = ready.popleft()
                n = position[chat]
                position[chat] += 1
                sid = "SM" + uuid.uuid4().hex
                form = {
                    "MessageSid": sid,
                    "AccountSid": ACCOUNT_SID,
                    "From": "whatsapp:" + phone(chat),
                    "To": "whatsapp:" + BUSINESS_NUMBER,
                    "Body": TEXTS[n % len(TEXTS)],
                    "NumMedia": "0",
                    "ProfileName": f"Cliente {chat}",
                }
                body = urlencode(form).encode()
                headers = {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": signature(url, form),
                }
                answered = None
                if options.paced and stand_in is not None:
                    answered = stand_in.arrived(form["From"])
                    answered.clear()
                t0 = time.perf_counter()
                run.sent_at[sid] = t0
                status = 0
                for _attempt in range(2):  # an idle keep-alive the server closed: once more
                    try:
                        status = await conn.request("POST", path, body, headers)
                        break
                    except (OSError, asyncio.IncompleteReadError):
                        conn.close()
                        conn = _Connection("127.0.0.1", ports[index % len(ports)])
                run.webhook_ms.append((time.perf_counter() - t0) * 1000)
                if status != 200:
                    run.errors += 1
                elif answered is not None:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(answered.wait(), options.reply_wait_seconds)
                if position[chat] < per_chat[chat]:
                    ready.append(chat)
        finally:
            conn.close()

    await asyncio.gather(*(worker(i) for i in range(options.concurrency)))


def _pending(database_url: str) -> tuple[int, int]:
    """(inbound rows stored, outbound rows still queued)."""
    from sqlalchemy import text

    from bot.store.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            inbound = conn.execute(text("SELECT count(*) FROM messages WHERE direction='in'"))
            queued = conn.execute(
                text("SELECT count(*) FROM messages WHERE direction='out' AND status='queued'")
            )
            return int(inbound.scalar_one()), int(queued.scalar_one())
    finally:
        engine.dispose()


def _first_replies(database_url: str) -> list[tuple[str, str]]:
    """(inbound MessageSid, provider sid of the turn's first reply) for every answered turn."""
    from sqlalchemy import text

    from bot.store.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT conversation_id, direction, provider_id FROM messages "
                    "ORDER BY conversation_id, id"
                )
            ).all()
    finally:
        engine.dispose()
    pairs: list[tuple[str, str]] = []
    waiting: str | None = None
    last_conversation = None
    for conversation_id, direction, provider_id in rows:
        if conversation_id != last_conversation:
            waiting, last_conversation = None, conversation_id
        if direction == "in":
            waiting = provider_id
        elif waiting is not None and provider_id:
            pairs.append((waiting, provider_id))
            waiting = None
    return pairs


async def run_load(options: LoadOptions) -> dict[str, Any]:
    """Run the whole benchmark; every process it starts is stopped before it returns."""
    load_before = os.getloadavg()
    folder = Path(tempfile.mkdtemp(prefix="quita-bench-"))
    drop: Any = None
    if options.mode == "production":
        if not (options.database_url and options.redis_url):
            raise ValueError("production mode needs a PostgreSQL database_url and a redis_url")
        database_url, drop = _postgres_database(options.database_url)
        processes = options.processes
    else:
        database_url = f"sqlite:///{folder}/bench.db"
        processes = 1
    stand_in = TwilioRestStandIn(ACCOUNT_SID, AUTH_TOKEN, port=options.port + 9)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        await asyncio.to_thread(_seed, database_url, options.chats)
        config = _config_file(folder, options)
        await asyncio.to_thread(_compile_texts, config)
        await stand_in.start()
        ports = [options.port + i for i in range(processes)]
        public_url = "https://bench.quita.invalid"
        env = {
            **os.environ,
            "QUITA_CONFIG": str(config),
            "QUITA_DATABASE_URL": database_url,
            "QUITA_PUBLIC_URL": public_url,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_WHATSAPP_FROM": BUSINESS_NUMBER,
            "TWILIO_API_BASE_URL": stand_in.url,
            "QUITA_SECRET_KEY": secrets.token_urlsafe(48),  # production refuses to start without
        }
        env.pop("TELEGRAM_BOT_TOKEN", None)
        if options.mode == "production":
            env["QUITA_REDIS_URL"] = str(options.redis_url)
        else:
            env.pop("QUITA_REDIS_URL", None)
        started = time.monotonic()
        for i, port in enumerate(ports):
            argv = [sys.executable, "-m"]
            if options.profile_dir is not None:
                options.profile_dir.mkdir(parents=True, exist_ok=True)
                out = options.profile_dir / f"web{i}.txt"
                argv += ["bot.bench.profiled", str(out), "--"]
            else:
                argv += ["bot"]
            argv += ["serve", "--host", "127.0.0.1", "--port", str(port)]
            procs.append(_start(argv, env, folder / f"web{i}.log"))
        if options.mode == "production":
            procs.append(
                _start([sys.executable, "-m", "bot", "worker"], env, folder / "worker.log")
            )
        deadline = time.monotonic() + 120
        await asyncio.gather(*(_wait_healthy(port, deadline) for port in ports))
        startup_seconds = time.monotonic() - started

        cpu_before = [_cpu_seconds(proc.pid) for proc in procs]
        bench_cpu = time.process_time()
        run = _Run()
        await _drive(options, ports, public_url, run, stand_in)
        webhooks_done = time.perf_counter()
        deadline = time.monotonic() + options.timeout_seconds
        while time.monotonic() < deadline:
            inbound, queued = await asyncio.to_thread(_pending, database_url)
            if inbound >= options.messages - run.errors and queued == 0:
                break
            await asyncio.sleep(0.1)
        bench_cpu = time.process_time() - bench_cpu
        rss = [_rss_peak_mb(proc.pid) for proc in procs]
        cpu_after = [_cpu_seconds(proc.pid) for proc in procs]
        cpu = [
            round(after - before, 2)
            for before, after in zip(cpu_before, cpu_after, strict=True)
            if before is not None and after is not None
        ]
        pairs = await asyncio.to_thread(_first_replies, database_url)
    finally:
        _stop(procs)
        await stand_in.stop()
        if drop is not None:
            drop()
        shutil.rmtree(folder, ignore_errors=True)
    arrived = {a.sid: a.at for a in stand_in.arrivals}
    reply_ms = [
        (arrived[reply] - run.sent_at[inbound]) * 1000
        for inbound, reply in pairs
        if inbound in run.sent_at and reply in arrived
    ]
    last = max((a.at for a in stand_in.arrivals), default=webhooks_done)
    elapsed = max(last, webhooks_done) - run.first_sent
    webhook = percentiles(run.webhook_ms)
    reply = percentiles(reply_ms)
    return {
        "mode": options.mode,
        "processes": processes,
        "messages": options.messages,
        "chats": options.chats,
        "concurrency": options.concurrency,
        "turns_per_second": round(options.messages / elapsed, 1) if elapsed > 0 else 0.0,
        "webhook_p50_ms": webhook["p50_ms"],
        "webhook_p99_ms": webhook["p99_ms"],
        "reply_p50_ms": reply["p50_ms"],
        "reply_p99_ms": reply["p99_ms"],
        "rss_mb": rss,
        "cpu_seconds": cpu,  # per process (web..., worker) during the run
        "cpu_ms_per_turn": round(sum(cpu) * 1000 / options.messages, 2),
        "bench_cpu_seconds": round(bench_cpu, 2),  # the load generator and the stand-in
        "paced": options.paced,
        "replies": len(stand_in.arrivals),
        "answered_turns": len(reply_ms),
        "webhook_errors": run.errors,
        "startup_seconds": round(startup_seconds, 2),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "database": "postgresql" if options.mode == "production" else "sqlite",
    }


# Rasa 3.6's figures for the same kind of run, from docs/rasa.md ("Whole turns").
RASA = {
    "turns_per_second": 22.5,
    "parse_p50_ms": 22.0,
    "server_rss_mb": 850,
}
