"""Masks for logs: never a full phone number or chat id at INFO."""

from __future__ import annotations


def mask_address(address: str) -> str:
    """``+5511990000001`` -> ``+55119****0001``; short ids keep only their last 2 characters."""
    value = address.removeprefix("whatsapp:")
    if len(value) >= 10:
        return value[:6] + "****" + value[-4:]
    if len(value) > 2:
        return "*" * (len(value) - 2) + value[-2:]
    return "**"
