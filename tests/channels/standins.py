"""Local stand-ins of the Telegram Bot API and Twilio's REST API, on 127.0.0.1.

Plain ``http.server`` threads: the real python-telegram-bot and twilio libraries talk to
them through their base URLs, nothing is monkeypatched. Each records what it received and
can answer errors for the next N calls.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Failure:
    """An error to answer instead of the real result."""

    status: int
    retry_after: int | None = None
    code: int | None = None  # Twilio's error code
    description: str = "stand-in failure"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client hanging up mid long-poll at teardown is expected


class StandIn:
    """A threaded HTTP server; subclasses implement ``handle``."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                owner._dispatch(self)

            do_GET = do_POST  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def fail_next(self, count: int, failure: Failure) -> None:
        """Answer ``failure`` to the next ``count`` calls (of the failing kind)."""
        with self.lock:
            self.failures.extend([failure] * count)

    def _take_failure(self) -> Failure | None:
        with self.lock:
            return self.failures.pop(0) if self.failures else None

    def _dispatch(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        params = _decode(request.headers.get("Content-Type", ""), body)
        status, headers, payload = self.handle(request.command, request.path, params, request)
        raw = isinstance(payload, bytes)  # a file download
        data = payload if raw else json.dumps(payload).encode()
        request.send_response(status)
        if "Content-Type" not in headers:
            request.send_header(
                "Content-Type", "application/octet-stream" if raw else "application/json"
            )
        request.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)

    def handle(
        self, verb: str, path: str, params: dict[str, Any], request: BaseHTTPRequestHandler
    ) -> tuple[int, dict[str, str], Any]:
        raise NotImplementedError


def _decode(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        loaded = json.loads(body)
        return loaded if isinstance(loaded, dict) else {}
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        out: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if part.get_filename():
                out[str(name)] = payload
            else:
                out[str(name)] = (payload or b"").decode()
        return out
    return {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}


class TelegramStandIn(StandIn):
    """The Bot API methods Quita uses, under ``/bot<token>/<method>``."""

    def __init__(self, token: str = "123456:TEST-token") -> None:
        super().__init__()
        self.token = token
        self.updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self._arrived = threading.Condition()
        self._message_ids = itertools.count(1000)
        self.fail_methods = {"sendMessage", "sendPhoto"}
        self.files: dict[str, bytes] = {}  # file_id -> what getFile and the file URL serve

    @property
    def base_url(self) -> str:
        """For ``TELEGRAM_API_BASE_URL`` / ``Bot(base_url=...)``."""
        return self.url + "/bot"

    def push_update(self, update: dict[str, Any]) -> None:
        with self._arrived:
            self.updates.append(update)
            self._arrived.notify_all()

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        with self.lock:
            return [c.params for c in self.calls if c.method == method]

    def handle(
        self, verb: str, path: str, params: dict[str, Any], request: BaseHTTPRequestHandler
    ) -> tuple[int, dict[str, str], Any]:
        prefix = f"/bot{self.token}/"
        files = f"/file/bot{self.token}/documents/"
        path = unquote(path)  # httpx escapes the token's ':' in a file URL
        if verb == "GET" and path.startswith(files):
            data = self.files.get(path.removeprefix(files))
            with self.lock:
                self.calls.append(Call("file", {}, path=path))
            return (200, {}, data) if data is not None else (404, {}, {"ok": False})
        if not path.startswith(prefix):
            return 401, {}, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = path.removeprefix(prefix)
        if method == "getUpdates":
            return 200, {}, {"ok": True, "result": self._get_updates(params)}
        if method in self.fail_methods:
            failure = self._take_failure()
            if failure is not None:
                with self.lock:
                    self.calls.append(Call(method + ":failed", params))
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": failure.status,
                    "description": failure.description,
                }
                if failure.retry_after is not None:
                    body["parameters"] = {"retry_after": failure.retry_after}
                return failure.status, {}, body
        with self.lock:
            self.calls.append(Call(method, params))
        if method == "getFile" and str(params.get("file_id")) not in self.files:
            return 400, {}, {"ok": False, "error_code": 400, "description": "Bad Request"}
        return 200, {}, {"ok": True, "result": self._result(method, params)}

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 2.0)
        deadline = time.monotonic() + wait
        with self._arrived:
            while True:
                found = [u for u in self.updates if u["update_id"] >= offset]
                remaining = deadline - time.monotonic()
                if found or remaining <= 0:
                    return found
                self._arrived.wait(remaining)

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": 123456,
                "is_bot": True,
                "first_name": "Quita",
                "username": "quita_test_bot",
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method in ("sendMessage", "sendPhoto"):
            message: dict[str, Any] = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
            }
            if method == "sendMessage":
                message["text"] = params.get("text", "")
            else:
                message["photo"] = [
                    {"file_id": "p1", "file_unique_id": "u1", "width": 1, "height": 1}
                ]
            return message
        if method == "getFile":
            file_id = str(params["file_id"])
            return {
                "file_id": file_id,
                "file_unique_id": "u-" + file_id,
                "file_size": len(self.files[file_id]),
                "file_path": f"documents/{file_id}",
            }
        if method == "setWebhook":
            self.webhook = dict(params)
        if method == "deleteWebhook":
            self.webhook = None
        return True


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """How Twilio signs a webhook (for tests of our verification)."""
    from twilio.request_validator import RequestValidator

    return str(RequestValidator(auth_token).compute_signature(url, params))


class TwilioStandIn(StandIn):
    """``POST /2010-04-01/Accounts/{sid}/Messages.json`` with Basic auth."""

    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "test-token") -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._sids = itertools.count(1)
        self.media: dict[str, bytes] = {}  # media path (Messages/{MM}/Media/{ME}) -> file

    def media_url(self, message_sid: str, media_sid: str, data: bytes) -> str:
        """Keep ``data`` as an inbound media item; its public Twilio URL (the SDK base URL
        rewrite points it here)."""
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message_sid}/Media/{media_sid}"
        self.media[path] = data
        return "https://api.twilio.com" + path

    def _serve_media(
        self, path: str, request: BaseHTTPRequestHandler
    ) -> tuple[int, dict[str, str], Any]:
        """Like Twilio: the API URL needs basic auth and redirects to the file store."""
        if path.startswith("/files/"):
            with self.lock:
                self.calls.append(Call("file", {}, path=path, headers=dict(request.headers)))
            data = self.media.get(path.removeprefix("/files"))
            return (200, {"Content-Type": "application/pdf"}, data) if data else (404, {}, {})
        if not self._authorized(request):
            return 401, {}, {"code": 20003, "message": "Authenticate", "status": 401}
        if path not in self.media:
            return 404, {}, {"code": 20404, "message": "not found", "status": 404}
        return 307, {"Location": "/files" + path}, {}

    def _authorized(self, request: BaseHTTPRequestHandler) -> bool:
        credentials = f"{self.account_sid}:{self.auth_token}".encode()
        expected = "Basic " + base64.b64encode(credentials).decode()
        return request.headers.get("Authorization") == expected

    def messages(self) -> list[dict[str, Any]]:
        with self.lock:
            return [c.params for c in self.calls if c.method == "Messages.create"]

    def handle(
        self, verb: str, path: str, params: dict[str, Any], request: BaseHTTPRequestHandler
    ) -> tuple[int, dict[str, str], Any]:
        expected = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        if verb == "GET" and ("/Media/" in path or path.startswith("/files/")):
            return self._serve_media(path, request)
        if urlsplit(path).path != expected or verb != "POST":
            return 404, {}, {"code": 20404, "message": "not found", "status": 404}
        credentials = f"{self.account_sid}:{self.auth_token}".encode()
        if (
            request.headers.get("Authorization")
            != "Basic " + base64.b64encode(credentials).decode()
        ):
            return 401, {}, {"code": 20003, "message": "Authenticate", "status": 401}
        failure = self._take_failure()
        if failure is not None:
            with self.lock:
                self.calls.append(Call("Messages.failed", params))
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
            code = failure.code or (20429 if failure.status == 429 else 20500)
            body = {"code": code, "message": failure.description, "status": failure.status}
            return failure.status, headers, body
        sid = f"SMf{next(self._sids):031x}"
        with self.lock:
            self.calls.append(Call("Messages.create", params))
        return (
            201,
            {},
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": params.get("To"),
                "from": params.get("From"),
                "body": params.get("Body"),
                "status": "queued",
                "num_media": "0",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "uri": expected.replace("Messages.json", f"Messages/{sid}.json"),
            },
        )


@contextmanager
def running(server: StandIn) -> Iterator[StandIn]:
    server.start()
    try:
        yield server
    finally:
        server.stop()
