"""Sends on the event loop (``bot.channels.twilio_async``) against servers that misbehave:
each failure is a transient ``SendError`` (the outbox retries), nothing hangs, and a
connection in an unknown state is never reused."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from bot.channels.twilio import TwilioChannel, make_client
from bot.core.domain import OutboundMessage
from bot.runtime.ports import SendError

ACCOUNT = "AC" + "3" * 32
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return await reader.readexactly(length)


def _created(sid: str) -> bytes:
    return json.dumps({"sid": sid, "account_sid": ACCOUNT, "status": "queued"}).encode()


class _Server:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.handler(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"


Serve = Callable[[Handler], Awaitable[_Server]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    servers: list[_Server] = []

    async def start(handler: Handler) -> _Server:
        server = _Server(handler)
        server.server = await asyncio.start_server(server._serve, "127.0.0.1", 0)
        servers.append(server)
        return server

    yield start
    for server in servers:
        assert server.server is not None
        server.server.close()


async def _fails(url: str, seconds: float | None = None) -> SendError:
    client, transport = make_client(ACCOUNT, "token", base_url=url)
    if seconds is not None:
        transport.timeout = seconds
    sms = TwilioChannel("sms", client=client, transport=transport, from_number="+15550001")
    try:
        with pytest.raises(SendError) as caught:
            await sms.send(OutboundMessage(channel="sms", address="+5511990000001", text="x"))
    finally:
        await sms.stop()
    return caught.value


async def test_a_chunked_answer_is_read_and_the_connection_kept(serve: Serve) -> None:
    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for n in range(2):
            await _read_request(reader)
            body = _created(f"SM{n:032d}")
            half = len(body) // 2
            writer.write(
                b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
                + b"%x\r\n%s\r\n" % (half, body[:half])
                + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body) - half, body[half:])
            )
            await writer.drain()

    server = await serve(chunked)
    client, transport = make_client(ACCOUNT, "token", base_url=server.url)
    sms = TwilioChannel("sms", client=client, transport=transport, from_number="+15550001")
    try:
        sids = [
            (
                await sms.send(OutboundMessage(channel="sms", address="+55119", text="x"))
            ).provider_id
            for _ in range(2)
        ]
    finally:
        await sms.stop()
    assert sids == [f"SM{n:032d}" for n in range(2)]
    assert server.connections == 1


async def test_too_many_requests_says_when_to_try_again(serve: Serve) -> None:
    async def busy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        body = json.dumps({"code": 20429, "message": "Too Many Requests", "status": 429})
        writer.write(
            b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body.encode())
        )
        await writer.drain()

    error = await _fails((await serve(busy)).url)
    assert (error.transient, error.retry_after, error.code) == (True, 7.0, "20429")


@pytest.mark.parametrize(
    "answer",
    [
        b"",  # closed before answering
        b'HTTP/1.1 201 Created\r\nContent-Length: 500\r\n\r\n{"sid":',  # closed mid-body
        b"this is not HTTP\r\n\r\n",
    ],
    ids=["closed", "cut short", "garbage"],
)
async def test_a_broken_answer_is_a_transient_network_error(serve: Serve, answer: bytes) -> None:
    async def broken(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(answer)
        await writer.drain()

    error = await _fails((await serve(broken)).url)
    assert (error.transient, error.code) == (True, "network")


async def test_a_silent_server_times_out_instead_of_hanging(serve: Serve) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        await asyncio.sleep(30)

    error = await asyncio.wait_for(_fails((await serve(silent)).url, seconds=0.3), 10)
    assert (error.transient, error.code) == (True, "network")


async def test_after_a_failure_the_next_send_takes_a_new_connection(serve: Serve) -> None:
    seen: list[int] = []

    async def flaky(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(len(seen))
        await _read_request(reader)
        if len(seen) == 1:
            writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 99\r\n\r\n{")  # then gone
            return
        body = _created("SM" + "9" * 32)
        writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()

    server = await serve(flaky)
    client, transport = make_client(ACCOUNT, "token", base_url=server.url)
    sms = TwilioChannel("sms", client=client, transport=transport, from_number="+15550001")
    message = OutboundMessage(channel="sms", address="+5511990000001", text="x")
    try:
        with pytest.raises(SendError):
            await sms.send(message)
        assert (await sms.send(message)).provider_id == "SM" + "9" * 32
    finally:
        await sms.stop()
    assert server.connections == 2


async def test_sends_go_over_verified_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Twilio's API is HTTPS: the certificate is checked against the host name, and one
    that does not check out is a transient network error, never a send in the clear."""
    import ssl

    import trustme

    from bot.channels import twilio_async

    authority = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_tls)
    bodies: list[bytes] = []

    async def created(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        bodies.append(await _read_request(reader))
        body = _created("SM" + "7" * 32)
        writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()

    server = await asyncio.start_server(created, "127.0.0.1", 0, ssl=server_tls)
    port = server.sockets[0].getsockname()[1]
    try:
        trusting = ssl.create_default_context()
        authority.configure_trust(trusting)
        monkeypatch.setattr(twilio_async, "tls_context", lambda: trusting)
        client, transport = make_client(ACCOUNT, "token", base_url=f"https://localhost:{port}")
        sms = TwilioChannel("sms", client=client, transport=transport, from_number="+15550001")
        try:
            sent = await sms.send(OutboundMessage(channel="sms", address="+55119", text="olá"))
        finally:
            await sms.stop()
        assert sent.provider_id == "SM" + "7" * 32
        assert b"Body=ol%C3%A1" in bodies[0]

        monkeypatch.setattr(twilio_async, "tls_context", ssl.create_default_context)
        error = await _fails(f"https://localhost:{port}")  # a CA nobody trusts
        assert (error.transient, error.code) == (True, "network")
        assert len(bodies) == 1
    finally:
        server.close()


async def test_behind_a_proxy_sends_go_through_httpx_in_threads(serve: Serve) -> None:
    """An httpx client of the deployment's (its proxy settings, say) is honoured: sends go
    through it, in the transport's threads, not on the event loop's own connections."""
    import httpx

    async def created(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        body = _created("SM" + "5" * 32)
        writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()

    server = await serve(created)
    seen: list[httpx.Request] = []
    http = httpx.Client(event_hooks={"request": [seen.append]})
    client, transport = make_client(ACCOUNT, "token", base_url=server.url, http=http)
    sms = TwilioChannel("sms", client=client, transport=transport, from_number="+15550001")
    try:
        sent = await sms.send(OutboundMessage(channel="sms", address="+55119", text="x"))
    finally:
        await sms.stop()
        await asyncio.to_thread(http.close)
    assert sent.provider_id == "SM" + "5" * 32
    assert [r.method for r in seen] == ["POST"]
