"""twilio-python's network layer on httpx, able to point the client at another host.

``TWILIO_API_BASE_URL`` (e.g. ``http://127.0.0.1:9000``) replaces the scheme and host of
every ``https://*.twilio.com`` URL the SDK builds; paths stay as Twilio's. The last
response's ``Retry-After`` is kept per thread, because ``TwilioRestException`` drops headers.
"""

from __future__ import annotations

import logging
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from twilio.http import HttpClient
from twilio.http.response import Response

from bot.channels.media import MEDIA_TIMEOUT, failed, read_capped_sync

log = logging.getLogger(__name__)


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

    def last_retry_after(self) -> float | None:
        """``Retry-After`` of the last response seen on this thread, in seconds."""
        return getattr(self._local, "retry_after", None)

    def close(self) -> None:
        if self._own_client:
            self._client.close()


def _flat(values: dict[str, object] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: v for k, v in values.items() if v is not None}


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None  # an HTTP date: rare from Twilio, fall back to our backoff
