"""``quita payments sync --since ISO`` and ``quita payments register-webhook``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(sub: Any) -> None:
    payments = sub.add_parser("payments", help="PSP charges and received Pix")
    payments_sub = payments.add_subparsers(dest="payments_command", metavar="ACTION")
    sync = payments_sub.add_parser("sync", help="count the Pix the PSP received since ISO")
    sync.add_argument("--since", required=True, help="ISO time, e.g. 2026-11-23T00:00:00-03:00")
    sync.add_argument("--until", help="ISO time (default: now)")
    sync.set_defaults(handler=_sync)
    hook = payments_sub.add_parser(
        "register-webhook", help="PUT /webhook/{chave}: QUITA_PUBLIC_URL/webhooks/pix/<secret>"
    )
    hook.set_defaults(handler=_register_webhook)


def _runtime() -> Any:
    from bot.config import load_settings
    from bot.runtime.service import build_runtime

    settings = load_settings()
    if settings.payments.provider != "bacen_pix":
        raise SystemExit("quita payments: payments.provider is not bacen_pix")
    return build_runtime(settings, channels={})


def _sync(args: argparse.Namespace) -> int:
    import asyncio

    from bot.core.clock import parse_iso
    from bot.payments.service import sync_pix

    runtime = _runtime()

    async def run() -> dict[str, Any]:
        await runtime.start(background=False)
        try:
            until = parse_iso(args.until) if args.until else None
            report = await asyncio.to_thread(sync_pix, runtime, parse_iso(args.since), until)
            await runtime.drain_outbox()  # the thank-yous
            return report.as_dict()
        finally:
            await runtime.stop()

    print(json.dumps(asyncio.run(run())))
    return 0


def _register_webhook(args: argparse.Namespace) -> int:
    from bot.payments.service import pix_provider

    runtime = _runtime()
    secret = runtime.settings.pix_webhook_secret
    if not secret:
        print("quita payments: set PIX_WEBHOOK_SECRET first", file=sys.stderr)
        return 2
    provider = pix_provider(runtime)
    assert provider is not None
    url = runtime.settings.public_url.rstrip("/") + f"/webhooks/pix/{secret}"
    provider.api.register_webhook(runtime.settings.payments.pix_key, url)
    print("webhook registered at QUITA_PUBLIC_URL/webhooks/pix/<secret>")
    return 0
