"""Downloading what a person sent (a receipt), the same way on every channel.

Only PDF, JPEG and PNG are kept, at most ``MAX_MEDIA_BYTES``; a download that fails is
logged by kind (never the URL, the file id or the address) and gives ``None``: the receipt
then waits for a person, as it did before any download.
"""

from __future__ import annotations

import logging

import httpx

from bot.core.domain import Media

log = logging.getLogger(__name__)

MAX_MEDIA_BYTES = 5 * 1024 * 1024
MEDIA_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
MEDIA_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


def base_type(content_type: str | None) -> str:
    """``application/pdf`` from ``Application/PDF; name=x.pdf``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def accepted(media: Media) -> bool:
    """A receipt we read: its declared type is PDF, JPEG or PNG."""
    return base_type(media.content_type) in MEDIA_TYPES


def failed(channel: str, reason: str) -> None:
    """One log line per failed download, without personal data."""
    log.info("media download failed", extra={"channel": channel, "reason": reason})


def _refused(response: httpx.Response, channel: str) -> bool:
    if response.status_code != 200:
        failed(channel, f"status {response.status_code}")
        return True
    served = base_type(response.headers.get("content-type"))
    if served and served not in MEDIA_TYPES and served != "application/octet-stream":
        failed(channel, "content type")
        return True
    length = response.headers.get("content-length") or "0"
    if length.isdigit() and int(length) > MAX_MEDIA_BYTES:
        failed(channel, "too large")
        return True
    return False


async def read_capped(response: httpx.Response, channel: str) -> bytes | None:
    """The body of a streamed 200 response of an accepted type, or ``None`` past the cap."""
    if _refused(response, channel):
        return None
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_MEDIA_BYTES:
            failed(channel, "too large")
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def read_capped_sync(response: httpx.Response, channel: str) -> bytes | None:
    """``read_capped`` for a synchronous client."""
    if _refused(response, channel):
        return None
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_MEDIA_BYTES:
            failed(channel, "too large")
            return None
        chunks.append(chunk)
    return b"".join(chunks)
