"""twilio-python's network layer, able to point the client at another host.

Sending is the one call made per reply: through httpx it cost about as much CPU as the rest
of the edge (httpx's pure-Python HTTP). The SDK still builds the request and reads the answer
(``messages.create``), but its POSTs go out with ``http.client`` on a keep-alive connection
per worker thread (``post_form``: C-level parsing). Behind an HTTP proxy (``HTTPS_PROXY`` and
friends, which httpx honours and ``http.client`` does not) everything goes through httpx.

``TWILIO_API_BASE_URL`` (e.g. ``http://127.0.0.1:9000``) replaces the scheme and host of
every ``https://*.twilio.com`` URL the SDK builds; paths stay as Twilio's. The last
response's ``Retry-After`` is kept per thread, because ``TwilioRestException`` drops headers.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import logging
import os
import ssl
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit, urlunsplit

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
        # httpx's proxy settings come from the environment; http.client knows none
        self._lean = client is None and not _proxied(os.environ)
        self._connections: list[http.client.HTTPConnection] = []
        self._connections_lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None
        self._threads: ThreadPoolExecutor | None = None

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
        if self._lean and method.upper() == "POST" and not params:
            # the one call made per reply (messages.create): a keep-alive http.client POST
            form = {k: str(v) for k, v in (_flat(data) or {}).items()}
            status, body, retry_after = self.post_form(uri, form, auth or ("", ""))
            self._local.retry_after = retry_after
            return Response(status, body.decode("utf-8", "replace"), {})
        reply = self._client.request(
            method,
            self.rewrite(uri),
            params=_flat(params),
            data=_flat(data),
            headers=headers,
            auth=auth,
            timeout=timeout or self.timeout,
            follow_redirects=allow_redirects,
        )
        self._local.retry_after = _retry_after(reply.headers.get("Retry-After"))
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

    def post_form(
        self, url: str, form: dict[str, str], auth: tuple[str, str]
    ) -> tuple[int, bytes, float | None]:
        """POST a form; (status, body, Retry-After seconds). Network errors raise
        ``OSError`` or ``http.client.HTTPException`` (or httpx's, behind a proxy)."""
        target = self.rewrite(url)
        if not self._lean:
            sent = self._client.post(target, data=form, auth=auth, timeout=self.timeout)
            return sent.status_code, sent.content, _retry_after(sent.headers.get("Retry-After"))
        parts = urlsplit(target)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "Authorization": f"Basic {token}",
        }
        conn = self._connection(parts.scheme, parts.netloc)
        try:
            conn.request("POST", path, urlencode(form).encode(), headers)
            reply = conn.getresponse()
            body = reply.read()
        except BaseException:
            self._drop(conn)  # its state is unknown: never reused
            raise
        self._local.idle_since = time.monotonic()
        if reply.will_close:
            self._drop(conn)
        return reply.status, body, _retry_after(reply.getheader("Retry-After"))

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        """This thread's keep-alive connection to ``netloc``; a new one after a long idle
        (servers close idle keep-alives; a POST on a dead one would be an error)."""
        local = self._local
        conn: http.client.HTTPConnection | None = getattr(local, "conn", None)
        idle = time.monotonic() - getattr(local, "idle_since", 0.0)
        if conn is not None and (getattr(local, "where", None) != (scheme, netloc) or idle > 4):
            self._drop(conn)
            conn = None
        if conn is None:
            if scheme == "https":
                if self._tls is None:
                    self._tls = _tls_context()
                conn = http.client.HTTPSConnection(netloc, timeout=self.timeout, context=self._tls)
            else:
                conn = http.client.HTTPConnection(netloc, timeout=self.timeout)
            local.conn, local.where = conn, (scheme, netloc)
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    def _drop(self, conn: http.client.HTTPConnection) -> None:
        conn.close()
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None
        with self._connections_lock:
            if conn in self._connections:
                self._connections.remove(conn)

    def last_retry_after(self) -> float | None:
        """``Retry-After`` of the last response seen on this thread, in seconds."""
        return getattr(self._local, "retry_after", None)

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        """``call(*args)`` on this client's own threads: a send waits on Twilio's round trip,
        so as many run at once as the sender has slots, not asyncio's default few (6 on a
        2-core machine, shared with every other ``to_thread``)."""
        with self._connections_lock:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(SENDS_IN_FLIGHT, "quita-twilio")
            threads = self._threads
        return await asyncio.get_running_loop().run_in_executor(threads, call, *args)

    def close(self) -> None:
        with self._connections_lock:
            threads, self._threads = self._threads, None
        if threads is not None:
            threads.shutdown(wait=False)
        if self._own_client:
            self._client.close()
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()


def _flat(values: dict[str, object] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: v for k, v in values.items() if v is not None}


def _proxied(environ: Any) -> bool:
    return any(
        environ.get(name) for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
                                       "ALL_PROXY", "all_proxy")
    )  # fmt: skip


def _tls_context() -> ssl.SSLContext:
    """Verified TLS with the same CA bundle as httpx (certifi's)."""
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - httpx depends on certifi
        return ssl.create_default_context()


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None  # an HTTP date: rare from Twilio, fall back to our backoff
