"""A Twilio REST stand-in for ``quita bench load``, on asyncio streams (127.0.0.1 only).

It must cost the machine little, since it shares the CPU with the app being measured: no
framework, keep-alive connections, one coroutine per connection. It accepts
``POST /2010-04-01/Accounts/{sid}/Messages.json`` with Basic auth, answers 201 with a sid
and records, per sid, when the message arrived (``time.perf_counter``).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl


@dataclass
class Arrival:
    sid: str
    to: str
    at: float  # time.perf_counter() in the bench process


@dataclass
class TwilioRestStandIn:
    account_sid: str
    auth_token: str
    host: str = "127.0.0.1"
    port: int = 0
    arrivals: list[Arrival] = field(default_factory=list)
    refused: int = 0
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _sids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _arrived: dict[str, asyncio.Event] = field(default_factory=dict)

    def arrived(self, to: str) -> asyncio.Event:
        """Set when a message to ``to`` arrives (the bench clears it before each send)."""
        return self._arrived.setdefault(to, asyncio.Event())

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connection, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()

    async def _connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        expected_path = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        credentials = f"{self.account_sid}:{self.auth_token}".encode()
        expected_auth = "Basic " + base64.b64encode(credentials).decode()
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                verb, path, _version = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        key, value = line.split(":", 1)
                        headers[key.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                body = await reader.readexactly(length) if length else b""
                status, payload = self._answer(
                    verb, path, headers, body, expected_path, expected_auth
                )
                data = json.dumps(payload).encode()
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:  # the bench is over
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def _answer(
        self,
        verb: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        expected_path: str,
        expected_auth: str,
    ) -> tuple[int, dict[str, object]]:
        if verb != "POST" or path.split("?")[0] != expected_path:
            self.refused += 1
            return 404, {"code": 20404, "message": "not found", "status": 404}
        if headers.get("authorization") != expected_auth:
            self.refused += 1
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        sid = f"SMb{next(self._sids):031x}"
        to = form.get("To", "")
        self.arrivals.append(Arrival(sid, to, time.perf_counter()))
        event = self._arrived.get(to)
        if event is not None:
            event.set()
        return 201, {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": to,
            "from": form.get("From"),
            "body": form.get("Body"),
            "status": "queued",
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "uri": expected_path.replace("Messages.json", f"Messages/{sid}.json"),
        }
