"""The whole edge contract: what a channel is, what it may do, and how its webhooks arrive.

A provider lives behind three things defined here and nowhere else:

- ``Channel``: sends an ``OutboundMessage`` and carries its ``ChannelPolicy`` (rate limits,
  reply window, which provider error means "send it again as a template", what it can
  show, how long a text may be). The core asks the policy; it never names a provider.
- ``WebhookEndpoint``: verifies one provider request and turns it into our dataclasses
  (``InboundMessage`` / ``StatusUpdate``) plus the answer the provider expects. Served at
  ``/webhooks/{endpoint}``; nothing is stored before ``handle`` returns.
- ``ChannelAdapter``: one provider's entry in the registry: which channels and webhook
  endpoints a deployment gets from its settings and environment.

A channel may also be a ``MediaSource``: it downloads a file a person sent (a receipt), with
the provider's own credentials, so the core never learns how a provider stores files.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, runtime_checkable

import httpx

from bot.config import Settings
from bot.core.domain import InboundMessage, Media, OutboundMessage, SendResult, StatusUpdate

InboundHandler = Callable[[InboundMessage], Awaitable[bool]]


class SendError(Exception):
    """A send that failed. ``transient`` ones are retried with backoff."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        retry_after: float | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after
        self.code = code


@dataclass(frozen=True)
class RateLimit:
    """``rate`` messages a second in bursts of ``burst``, shared by everything using ``key``.

    ``key`` may hold ``{address}`` for a per-chat limit."""

    key: str
    rate: float
    burst: int

    def for_address(self, address: str) -> RateLimit:
        return RateLimit(self.key.format(address=address), self.rate, self.burst)


class OutsideWindow(StrEnum):
    """What a channel with a reply window does with a message once the window is closed."""

    TEMPLATE = "template"  # only an approved template may go; without one, refuse


@dataclass(frozen=True)
class ChannelPolicy:
    """What the core must know about a channel, and nothing about its provider."""

    rate_limits: tuple[RateLimit, ...] = ()
    # free text only within this long after the person last wrote (None: always)
    reply_window: timedelta | None = None
    outside_window: OutsideWindow = OutsideWindow.TEMPLATE
    # provider error codes meaning "outside the window: send it again as its template"
    resend_as_template: frozenset[str] = frozenset()
    supports_images: bool = False
    supports_buttons: bool = False
    supports_lists: bool = False
    max_text_length: int = 4096
    # addresses are chat ids, not phone numbers: a chat is linked to a debtor by a deep-link
    # token or a phone number the person shares (looked up on the phone channels)
    links_by_token: bool = False
    # the reply to someone we cannot match (a chat id reveals nothing, so it asks to link)
    unknown_contact_response: str = "unknown_contact"

    def limits(self, address: str) -> list[RateLimit]:
        return [limit.for_address(address) for limit in self.rate_limits]

    def window_open(self, last_inbound: datetime | None, now: datetime) -> bool:
        """True when free text may go now (always, on a channel without a window)."""
        if self.reply_window is None:
            return True
        return last_inbound is not None and now - last_inbound < self.reply_window

    @property
    def has_window(self) -> bool:
        return self.reply_window is not None

    def means_resend_as_template(self, error_code: str | None) -> bool:
        return error_code is not None and error_code in self.resend_as_template


class Channel(Protocol):
    """A way to reach debtors: sends, and says what it may do."""

    name: str
    policy: ChannelPolicy

    async def send(self, message: OutboundMessage) -> SendResult:
        """Send one message; raise ``SendError`` on failure (never return on failure)."""
        ...


@runtime_checkable
class MediaSource(Protocol):
    """A channel that can download what a person sent through it.

    ``fetch_media`` gives the bytes of a PDF, JPEG or PNG of at most
    ``bot.channels.media.MAX_MEDIA_BYTES``, or ``None`` (another type, too large, unknown
    to the provider, the provider unreachable or slow): it never raises for those, and logs
    them without personal data."""

    async def fetch_media(self, media: Media) -> bytes | None: ...


@dataclass(frozen=True)
class InboundSink:
    """Where a started channel hands what it fetches itself (a polling loop), and the clock
    that stamps its arrival (the runtime's: a test's fixed clock, or the system's)."""

    receive: InboundHandler
    now: Callable[[], datetime]


@runtime_checkable
class StartableChannel(Channel, Protocol):
    """A channel with something to do at start-up and shut-down.

    The runtime starts and stops every channel through this, and names none of them."""

    async def start(self, inbox: InboundSink) -> None:
        """Become reachable (register a webhook, start polling into ``inbox``); raise to stop
        start-up when the deployment is misconfigured. Called once per process."""
        ...

    async def stop(self) -> None:
        """Stop fetching and close network clients. Safe to call twice."""
        ...


@dataclass(frozen=True)
class WebhookRequest:
    """A provider's HTTP request, as the web layer received it (before any verification).

    ``url`` is the public URL the provider called (``QUITA_PUBLIC_URL`` + path + query),
    which is what providers sign; ``headers`` keys are lower case."""

    method: str
    url: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    received_at: datetime


@dataclass(frozen=True)
class WebhookReply:
    status: int = 200
    body: str = ""
    media_type: str | None = None


@dataclass(frozen=True)
class Webhook:
    """A verified request: what it carries for the core, and the provider's answer."""

    messages: tuple[InboundMessage, ...] = ()
    statuses: tuple[StatusUpdate, ...] = ()
    reply: WebhookReply = field(default_factory=WebhookReply)


class WebhookRefused(Exception):
    """A request that is not verified or not understood: answered ``status``, nothing kept."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class WebhookEndpoint(Protocol):
    async def handle(self, request: WebhookRequest) -> Webhook:
        """Verify and parse ``request``; raise ``WebhookRefused`` when it must be refused.

        May talk to its provider (acknowledging a button press) but stores nothing."""
        ...


class ChannelAdapter(Protocol):
    """One provider in the registry (``bot.channels.registry.ADAPTERS``)."""

    def channels(
        self,
        settings: Settings,
        environ: Mapping[str, str],
        *,
        http: httpx.Client | None = None,
    ) -> dict[str, Channel]:
        """The channels these settings turn on (none when credentials are absent).

        ``http`` is a synchronous client for an SDK that wants one (tests, proxies)."""
        ...

    def webhooks(
        self, settings: Settings, channels: Mapping[str, object], environ: Mapping[str, str]
    ) -> dict[str, WebhookEndpoint]:
        """Webhook endpoints by path under ``/webhooks/`` (``"telegram"``, ...)."""
        ...
