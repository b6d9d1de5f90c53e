"""``quita payments sync --since ISO``, ``register-webhook``, and the receipts a person
decides: ``receipts``, ``confirm-receipt ID``, ``reject-receipt ID``."""

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
    listing = payments_sub.add_parser("receipts", help="receipts waiting for a person (JSON)")
    listing.set_defaults(handler=_receipts)
    confirm = payments_sub.add_parser("confirm-receipt", help="a person confirms a receipt")
    confirm.add_argument("receipt_id", type=int)
    confirm.add_argument("--amount", help="e.g. 123.45 (default: the amount the PDF states)")
    confirm.set_defaults(handler=_confirm_receipt)
    reject = payments_sub.add_parser("reject-receipt", help="no such payment: reminders resume")
    reject.add_argument("receipt_id", type=int)
    reject.add_argument("--reason", default="not on the statement")
    reject.set_defaults(handler=_reject_receipt)


def _runtime() -> Any:
    from bot.config import load_settings
    from bot.runtime.service import build_runtime

    settings = load_settings()
    if settings.payments.provider != "bacen_pix":
        raise SystemExit("quita payments: payments.provider is not bacen_pix")
    return build_runtime(settings, channels={})


def _close_psp(runtime: Any) -> None:
    """The PSP client's connections (mTLS) go with the command."""
    from bot.payments.pix_api import BacenPixApi
    from bot.payments.service import pix_provider

    provider = pix_provider(runtime)
    if provider is not None and isinstance(provider.api, BacenPixApi):
        provider.api.close()
    runtime.engine.dispose()


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
            _close_psp(runtime)

    print(json.dumps(asyncio.run(run())))
    return 0


def _register_webhook(args: argparse.Namespace) -> int:
    from bot.payments.service import pix_provider

    runtime = _runtime()
    secret = runtime.settings.pix_webhook_secret
    if not secret:
        print("quita payments: set PIX_WEBHOOK_SECRET first", file=sys.stderr)
        _close_psp(runtime)
        return 2
    provider = pix_provider(runtime)
    assert provider is not None
    url = runtime.settings.public_url.rstrip("/") + f"/webhooks/pix/{secret}"
    try:
        provider.api.register_webhook(runtime.settings.payments.pix_key, url)
    finally:
        _close_psp(runtime)
    print("webhook registered at QUITA_PUBLIC_URL/webhooks/pix/<secret>")
    return 0


def _any_runtime() -> Any:
    """Receipts are decided with or without a PSP."""
    from bot.config import load_settings
    from bot.runtime.service import build_runtime

    return build_runtime(load_settings(), channels={})


def _receipts(args: argparse.Namespace) -> int:
    from bot.payments.receipts import receipts_under_review

    runtime = _any_runtime()
    print(json.dumps({"receipts": runtime.in_transaction(receipts_under_review)}))
    return 0


def _confirm_receipt(args: argparse.Namespace) -> int:
    from decimal import Decimal

    from bot.payments.receipts import ReceiptError, confirm_receipt

    runtime = _any_runtime()
    amount = Decimal(args.amount) if args.amount else None
    now = runtime.clock.now()
    try:
        runtime.in_transaction(
            lambda s: confirm_receipt(
                s,
                args.receipt_id,
                amount=amount,
                paid_at=None,
                user_id=None,
                now=now,
                deps=runtime.deps,
            )
        )
    except ReceiptError as exc:
        print(f"quita payments: {exc}", file=sys.stderr)
        return 2
    print(f"receipt {args.receipt_id} confirmed; the thank-you is queued")
    return 0


def _reject_receipt(args: argparse.Namespace) -> int:
    from bot.payments.receipts import ReceiptError, reject_receipt

    runtime = _any_runtime()
    now = runtime.clock.now()
    try:
        runtime.in_transaction(
            lambda s: reject_receipt(s, args.receipt_id, reason=args.reason, user_id=None, now=now)
        )
    except ReceiptError as exc:
        print(f"quita payments: {exc}", file=sys.stderr)
        return 2
    print(f"receipt {args.receipt_id} rejected; reminders resume")
    return 0
