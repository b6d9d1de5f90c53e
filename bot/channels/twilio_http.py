"""twilio-python's synchronous network layer, able to point the client at another host.

Sends go out on the event loop (``bot.channels.twilio_async``); this transport serves the
rest — media downloads, and every call behind an HTTP proxy (``HTTPS_PROXY`` and friends,
which httpx honours) — through httpx, in threads of its own.

``TWILIO_API_BASE_URL`` (e.g. ``http://127.0.0.1:9000``) replaces the scheme and host of
every ``https://*.twilio.com`` URL the SDK builds; paths stay as Twilio's. The last
response's ``Retry-After`` is kept per thread, because ``TwilioRestException`` drops headers.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx
from twilio.http import HttpClient
from twilio.http.response import Response

from bot.channels.media import MEDIA_TIMEOUT, failed, read_capped_sync

log = logging.getLogger(__name__)

T = TypeVar("T")
SENDS_IN_FLIGHT = 32  # the outbox sender's slots (``OutboxSender(concurrency=...)``)


class HttpxTwilioClient(HttpClient):  # type: ignore[misc]  # the twilio SDK is untyped
    """A synchronous ``HttpClient`` for ``twilio.rest.Client(http_client=...)``."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        client: httpx.Client | None = None,
        timeout: float = 15.0,
    ) -> None:
        super().__init__(log, False, timeout)
        self._base = urlsplit(base_url.rstrip("/")) if base_url else None
        self._own_client = client is None
        self._client = client or httpx.Client(timeout=timeout)
        self._local = threading.local()
        # httpx's proxy settings come from the environment; the event loop's sends know none
        self.lean = client is None and not _proxied(os.environ)
        self._threads_lock = threading.Lock()
        self._threads: ThreadPoolExecutor | None = None
        # what else closes with this transport (the event loop's sends: ``twilio_async``)
        self.closers: list[Callable[[], object]] = []

    def rewrite(self, url: str) -> str:
        """The URL to call: Twilio's, or the same path on the configured host."""
        if self._base is None:
            return url
        parts = urlsplit(url)
        path = self._base.path + parts.path
        return urlunsplit((self._base.scheme, self._base.netloc, path, parts.query, ""))

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        reply = self._client.request(
            method,
            self.rewrite(uri),
            params=flat_form(params),
            data=flat_form(data),
            headers=headers,
            auth=auth,
            timeout=timeout or self.timeout,
            follow_redirects=allow_redirects,
        )
        self._local.retry_after = retry_after_seconds(reply.headers.get("Retry-After"))
        return Response(reply.status_code, reply.text, dict(reply.headers))

    def download(self, url: str, auth: tuple[str, str], channel: str) -> bytes | None:
        """A media URL's bytes (a PDF/JPEG/PNG of at most 5 MB). Twilio answers the
        authenticated URL with a redirect to its file store; that one is fetched without
        the account's credentials, which only ever go to Twilio's API."""
        try:
            with self._client.stream(
                "GET", self.rewrite(url), auth=auth, timeout=MEDIA_TIMEOUT
            ) as first:
                target = first.headers.get("location") if first.is_redirect else None
                if target is None:
                    return read_capped_sync(first, channel)
                store = str(first.url.join(target))
            with self._client.stream("GET", store, timeout=MEDIA_TIMEOUT) as reply:
                return read_capped_sync(reply, channel)
        except httpx.HTTPError as exc:
            failed(channel, type(exc).__name__)
            return None

    def last_retry_after(self) -> float | None:
        """``Retry-After`` of the last response seen on this thread, in seconds."""
        return getattr(self._local, "retry_after", None)

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        """``call(*args)`` on this client's own threads: a send waits on Twilio's round trip,
        so as many run at once as the sender has slots, not asyncio's default few (6 on a
        2-core machine, shared with every other ``to_thread``)."""
        with self._threads_lock:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(SENDS_IN_FLIGHT, "quita-twilio")
            threads = self._threads
        return await asyncio.get_running_loop().run_in_executor(threads, call, *args)

    def close(self) -> None:
        with self._threads_lock:
            threads, self._threads = self._threads, None
        if threads is not None:
            threads.shutdown(wait=False)
        if self._own_client:
            self._client.close()
        for close in self.closers:
            close()


def flat_form(values: dict[str, object] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: v for k, v in values.items() if v is not None}


def _proxied(environ: Any) -> bool:
    return any(
        environ.get(name) for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
                                       "ALL_PROXY", "all_proxy")
    )  # fmt: skip


def tls_context() -> ssl.SSLContext:
    """Verified TLS with the same CA bundle as httpx (certifi's)."""
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - httpx depends on certifi
        return ssl.create_default_context()


def retry_after_seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None  # an HTTP date: rare from Twilio, fall back to our backoff
