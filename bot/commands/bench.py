"""``quita bench nlu|turns|cadence [--json]``: figures, not pass/fail."""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    bench = sub.add_parser("bench", help="print performance figures")
    bench_sub = bench.add_subparsers(dest="bench_command", metavar="WHAT")
    nlu = bench_sub.add_parser("nlu", help="parse latency, accuracy on the held-out set")
    nlu.add_argument("--heldout", type=Path, default=Path("tests/nlu/heldout.yml"))
    nlu.add_argument("--json", action="store_true")
    nlu.set_defaults(handler=_bench_nlu)
    turns = bench_sub.add_parser("turns", help="whole turns through the in-process stack")
    turns.add_argument("--turns", type=int, default=500)
    turns.add_argument("--debtors", type=int, default=50)
    turns.add_argument("--json", action="store_true")
    turns.set_defaults(handler=_bench_turns)
    load = bench_sub.add_parser("load", help="whole turns over real HTTP, as a provider sees")
    load.add_argument("--mode", choices=("embedded", "production"), default="embedded")
    load.add_argument("--messages", type=int, default=600)
    load.add_argument("--chats", type=int, default=60)
    load.add_argument("--concurrency", type=int, default=32)
    load.add_argument("--processes", type=int, default=2, help="web processes (production)")
    load.add_argument("--port", type=int, default=18130, help="first port on 127.0.0.1")
    load.add_argument("--database-url", default=None, help="production: a PostgreSQL server")
    load.add_argument("--redis-url", default=None, help="production: default the configured")
    load.add_argument("--profile", type=Path, default=None, help="yappi-profile the app into DIR")
    load.add_argument(
        "--paced",
        action="store_true",
        help="a chat writes again once its previous message was answered (people chatting)",
    )
    load.add_argument("--json", action="store_true")
    load.set_defaults(handler=_bench_load)
    cadence = bench_sub.add_parser("cadence", help="planning a day for large portfolios")
    cadence.add_argument("--database-url", default=None, help="default: the configured one")
    cadence.add_argument("--sizes", default="10000,100000")
    cadence.add_argument("--json", action="store_true")
    cadence.set_defaults(handler=_bench_cadence)
    imp = bench_sub.add_parser("import", help="quita import portfolio of a generated file")
    imp.add_argument("--rows", type=int, default=100_000)
    imp.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(handler=_bench_import)


def rss_mb() -> float:
    """Peak resident memory of this process, in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    if not ordered:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0}
    qs = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else []

    def at(p: int) -> float:
        return round(qs[p - 1] if qs else ordered[0], 3)

    return {"p50_ms": at(50), "p95_ms": at(95), "p99_ms": at(99)}


def _print(figures: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")


def _bench_nlu(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from bot.nlu.bench import run_nlu_bench

    figures = run_nlu_bench(load_settings(), heldout=args.heldout)
    _print(figures, args.json)
    return 0


def _bench_turns(args: argparse.Namespace) -> int:
    import asyncio

    figures = asyncio.run(bench_turns(turns=args.turns, debtors=args.debtors))
    _print(figures, args.json)
    return 0


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


async def bench_turns(*, turns: int, debtors: int) -> dict[str, Any]:
    """Turns per second and latency of the whole inbound path (NLU, dialogue, storage,
    outbox) on SQLite, with a recording channel."""
    import uuid
    from datetime import timedelta
    from decimal import Decimal

    from bot.channels.recording import RecordingChannel
    from bot.config import load_settings
    from bot.core.clock import SystemClock
    from bot.core.domain import InboundMessage
    from bot.runtime.service import build_runtime
    from bot.store.db import upgrade
    from bot.store.portfolio import DebtorRecord, DebtRecord, PortfolioRepository

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            overrides={"database_url": f"sqlite:///{tmp}/bench.db", "redis_url": None},
            environ={},
        )
        upgrade(settings.database_url)
        clock = SystemClock()
        channel = RecordingChannel("whatsapp")
        runtime = build_runtime(settings, clock=clock, channels={"whatsapp": channel})

        def seed(session: Any) -> None:
            repo = PortfolioRepository(session)
            now = clock.now()
            for i in range(debtors):
                debtor, _ = repo.upsert_debtor(
                    DebtorRecord(ref=f"B-{i}", name=f"Cliente {i}", phone=f"+55119{i:08d}"), now
                )
                repo.upsert_debt(
                    debtor,
                    DebtRecord(
                        ref=f"B-{i}-1",
                        description="Produto",
                        amount=Decimal("450.00"),
                        due=(now - timedelta(days=10)).date(),
                    ),
                    now,
                )

        runtime.in_transaction(seed)
        await runtime.start(background=False)
        samples: list[float] = []
        started = time.perf_counter()
        for n in range(turns):
            msg = InboundMessage(
                channel="whatsapp",
                address=f"+55119{n % debtors:08d}",
                provider_id=uuid.uuid4().hex,
                text=TEXTS[(n // debtors) % len(TEXTS)],
                received_at=clock.now(),
            )
            t0 = time.perf_counter()
            await runtime.inbound.receive(msg)
            samples.append((time.perf_counter() - t0) * 1000)
        elapsed = time.perf_counter() - started
        await runtime.drain_outbox()
        await runtime.stop()
        runtime.engine.dispose()
    return {
        "turns": turns,
        "turns_per_second": round(turns / elapsed, 1),
        **percentiles(samples),
        "rss_mb": rss_mb(),
        "replies_sent": len(channel.sent),
        "database": "sqlite",
    }


def _bench_load(args: argparse.Namespace) -> int:
    import asyncio

    from bot.bench.load import RASA, LoadOptions, run_load
    from bot.config import load_settings

    database_url, redis_url = args.database_url, args.redis_url
    if args.mode == "production":
        settings = load_settings()
        database_url = database_url or settings.database_url
        redis_url = redis_url or settings.redis_url
    options = LoadOptions(
        mode=args.mode,
        messages=args.messages,
        chats=args.chats,
        concurrency=args.concurrency,
        processes=args.processes,
        port=args.port,
        database_url=database_url,
        redis_url=redis_url,
        profile_dir=args.profile,
        paced=args.paced,
    )
    figures = asyncio.run(run_load(options))
    if args.json:
        print(json.dumps({**figures, "rasa_3_6": RASA}, ensure_ascii=False))
        return 0
    _print(figures, False)
    print(
        f"\nRasa 3.6 beside it (docs/rasa.md): {RASA['turns_per_second']} turns/s through its "
        f"REST channel, parse p50 {RASA['parse_p50_ms']} ms, server {RASA['server_rss_mb']} MB"
    )
    return 0


def _bench_cadence(args: argparse.Namespace) -> int:
    from bot.cadence.bench import format_report, run_cadence_bench
    from bot.config import load_settings

    url = args.database_url or load_settings().database_url
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    figures = run_cadence_bench(url, sizes)
    print(json.dumps(figures, ensure_ascii=False) if args.json else format_report(figures))
    return 0


def _bench_import(args: argparse.Namespace) -> int:
    from bot.commands.store import StderrProgress
    from bot.store.import_bench import run_import_bench

    figures = run_import_bench(args.rows, args.database_url, progress=StderrProgress())
    _print(figures, args.json)
    return 0
