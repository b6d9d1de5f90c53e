"""Sending through twilio-python's async API (``messages.create_async``) on the event loop.

A reply's POST used to run ``messages.create`` in a worker thread with ``http.client``:
handing each send to a thread and back, and ``http.client`` reading the answer's headers
with the ``email`` package, cost about a twentieth of a turn's CPU under load. Here the SDK
still builds the request and reads the answer, but the POST goes out on a keep-alive
asyncio connection and the answer is read by ``httptools`` (the HTTP parser the web server
already uses), in C. Anything but the form POST goes to the synchronous transport in a
thread; behind an HTTP proxy (which httpx honours and this does not) the channel does not use
this at all (``TwilioChannel``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import contextvars
import http.client
import logging
import ssl
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

import httptools
from twilio.http import AsyncHttpClient
from twilio.http.response import Response

from bot.channels.twilio_http import flat_form, retry_after_seconds, tls_context

if TYPE_CHECKING:
    from bot.channels.twilio_http import HttpxTwilioClient

log = logging.getLogger(__name__)

IDLE_SECONDS = 4.0  # servers close idle keep-alives; a POST on a dead one would be an error
IDLE_KEPT = 32  # the outbox sender's slots: at most this many sends wait at once
READ_SIZE = 65536

# ``Retry-After`` of the last answer in this task: ``TwilioRestException`` drops headers
_RETRY_AFTER: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "twilio_retry_after", default=None
)


@dataclass
class _Answer:
    """httptools' callbacks fill this in as the bytes arrive."""

    headers: dict[str, str] = field(default_factory=dict)
    body: bytearray = field(default_factory=bytearray)
    complete: bool = False
    keep_alive: bool = False
    parser: httptools.HttpResponseParser | None = None

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        # llhttp answers this while the message is current only (False once it is over)
        self.keep_alive = self.parser is not None and self.parser.should_keep_alive()
        self.complete = True


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    loop: asyncio.AbstractEventLoop
    idle_since: float = 0.0

    def usable(self, loop: asyncio.AbstractEventLoop, now: float) -> bool:
        return (
            self.loop is loop
            and now - self.idle_since <= IDLE_SECONDS
            and not self.reader.at_eof()
            and not self.writer.is_closing()
        )

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):  # its loop has closed: nothing to close
            self.writer.close()


class AsyncTwilioTransport(AsyncHttpClient):  # type: ignore[misc]  # the twilio SDK is untyped
    """twilio-python's ``AsyncHttpClient``, on the same host and timeout as ``sync``."""

    def __init__(self, sync: HttpxTwilioClient) -> None:
        super().__init__(log, True, sync.timeout)
        self._sync = sync
        self._idle: dict[tuple[str, str], list[_Connection]] = {}
        self._tls: ssl.SSLContext | None = None
        sync.closers.append(self.close)

    async def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the SDK's signature
        allow_redirects: bool = False,
    ) -> Response:
        if method.upper() != "POST" or params:  # not a send: the synchronous transport
            return await asyncio.to_thread(
                self._sync.request,
                method,
                uri,
                params,
                data,
                headers,
                auth,
                timeout,
                allow_redirects,
            )
        form = {k: str(v) for k, v in (flat_form(data) or {}).items()}
        # the SDK gives the account's credentials as ``auth``, or (an OAuth credential
        # provider) a ready Authorization header
        authorization = (headers or {}).get("Authorization") if auth is None else None
        status, body, retry_after = await self.post_form(
            uri, form, auth or ("", ""), authorization=authorization
        )
        _RETRY_AFTER.set(retry_after)
        return Response(status, body.decode("utf-8", "replace"), {})

    def last_retry_after(self) -> float | None:
        """``Retry-After`` of the last answer this task read, in seconds."""
        return _RETRY_AFTER.get()

    async def post_form(
        self,
        url: str,
        form: dict[str, str],
        auth: tuple[str, str],
        *,
        authorization: str | None = None,
    ) -> tuple[int, bytes, float | None]:
        """POST a form; (status, body, Retry-After seconds). Network errors raise
        ``OSError`` (a timeout is one) or ``http.client.HTTPException``."""
        parts = urlsplit(self._sync.rewrite(url))
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if authorization is None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            authorization = f"Basic {token}"
        body = urlencode(form).encode()
        head = (
            f"POST {path} HTTP/1.1\r\n"
            f"Host: {parts.netloc}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Accept: application/json\r\n"
            f"Authorization: {authorization}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode("latin-1")
        where = (parts.scheme, parts.netloc)
        async with asyncio.timeout(self.timeout):
            conn = await self._connection(where, parts.hostname or "", parts.port)
            try:
                conn.writer.write(head + body)
                await conn.writer.drain()
                status, answer, keep_alive = await _read_answer(conn.reader)
            except BaseException:
                conn.close()  # its state is unknown: never reused
                raise
        if keep_alive:
            self._release(where, conn)
        else:  # the server said it closes: so do we, before going on
            conn.close()
            with contextlib.suppress(OSError):
                await conn.writer.wait_closed()
        return status, bytes(answer.body), retry_after_seconds(answer.headers.get("retry-after"))

    async def _connection(
        self, where: tuple[str, str], host: str, port: int | None
    ) -> _Connection:
        """An idle keep-alive connection to ``where`` made on this loop, else a new one."""
        loop = asyncio.get_running_loop()
        now = time.monotonic()
        idle = self._idle.get(where, [])
        while idle:
            conn = idle.pop()
            if conn.usable(loop, now):
                return conn
            conn.close()
        tls: ssl.SSLContext | None = None
        if where[0] == "https":
            if self._tls is None:
                self._tls = tls_context()
            tls = self._tls
        reader, writer = await asyncio.open_connection(
            host, port or (443 if tls else 80), ssl=tls, limit=READ_SIZE
        )
        return _Connection(reader, writer, loop)

    def _release(self, where: tuple[str, str], conn: _Connection) -> None:
        conn.idle_since = time.monotonic()
        idle = self._idle.setdefault(where, [])
        if len(idle) >= IDLE_KEPT:
            conn.close()
        else:
            idle.append(conn)

    def close(self) -> list[_Connection]:
        """Close the kept connections (their sockets close when their loop next runs)."""
        idle, self._idle = self._idle, {}
        closed = [conn for connections in idle.values() for conn in connections]
        for conn in closed:
            conn.close()
        return closed

    async def aclose(self) -> None:
        """Close the kept connections and wait until they are (a channel's ``stop``)."""
        loop = asyncio.get_running_loop()
        for conn in self.close():
            if conn.loop is loop:
                with contextlib.suppress(OSError):
                    await conn.writer.wait_closed()


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, _Answer, bool]:
    answer = _Answer()
    parser = answer.parser = httptools.HttpResponseParser(answer)
    while not answer.complete:
        data = await reader.read(READ_SIZE)
        if not data:
            raise http.client.RemoteDisconnected("Twilio closed the connection mid-answer")
        try:
            parser.feed_data(data)
        except httptools.HttpParserError as exc:
            raise http.client.HTTPException(f"unreadable answer from Twilio: {exc}") from exc
    return parser.get_status_code(), answer, answer.keep_alive
