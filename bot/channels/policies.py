"""Each channel's policy, built from settings. Light (no SDK imports), so test channels and
the simulator get the same policy as the real adapter of the same name."""

from __future__ import annotations

from datetime import timedelta

from bot.channels.base import ChannelPolicy, OutsideWindow, RateLimit
from bot.config import ChannelSettings

WHATSAPP_WINDOW = timedelta(hours=24)
TWILIO_OUTSIDE_WINDOW = "63016"  # Twilio: WhatsApp free text outside the 24-hour window

# channels whose address is a phone number (where a number shared in a chat is looked up)
PHONE_CHANNELS = ("whatsapp", "sms")
# which contact a business-initiated message goes to when none has answered yet
CHANNEL_PREFERENCE = ("whatsapp", "telegram", "sms", "web", "test")


def telegram_policy(settings: ChannelSettings) -> ChannelPolicy:
    """Bot API limits: overall and per chat."""
    tg = settings.telegram
    return ChannelPolicy(
        rate_limits=(
            RateLimit("telegram", tg.messages_per_second, max(int(tg.messages_per_second), 1)),
            RateLimit("telegram:chat:{address}", tg.per_chat_per_second, 3),
        ),
        supports_images=True,
        supports_buttons=True,
        max_text_length=4096,
        links_by_token=True,
        unknown_contact_response="unknown_contact_telegram",
    )


def twilio_whatsapp_policy(settings: ChannelSettings) -> ChannelPolicy:
    """Twilio's default throughput for a WhatsApp sender is 80 messages/s."""
    rate = settings.twilio.whatsapp_messages_per_second
    return ChannelPolicy(
        rate_limits=(RateLimit("twilio:whatsapp", rate, max(int(rate), 1)),),
        reply_window=WHATSAPP_WINDOW,
        outside_window=OutsideWindow.TEMPLATE,
        resend_as_template=frozenset({TWILIO_OUTSIDE_WINDOW}),
        max_text_length=1600,
    )


def twilio_sms_policy(settings: ChannelSettings) -> ChannelPolicy:
    rate = settings.twilio.messages_per_second
    return ChannelPolicy(rate_limits=(RateLimit("twilio:sms", rate, max(int(rate), 1)),))


def simulator_policy() -> ChannelPolicy:
    return ChannelPolicy(supports_images=True, supports_buttons=True)


def policy_for(name: str, settings: ChannelSettings | None = None) -> ChannelPolicy:
    """The policy of the default adapter for a channel name (test and simulator channels).
    Settings are frozen: each one's policies are made once (every turn asks)."""
    settings = settings or _DEFAULTS
    known = _MADE.get((name, id(settings)))
    if known is not None and known[0] is settings:
        return known[1]
    policy = _policy(name, settings)
    if len(_MADE) >= 64:  # settings made over and over (tests): keep the newest only
        _MADE.clear()
    _MADE[(name, id(settings))] = (settings, policy)
    return policy


_DEFAULTS = ChannelSettings()
_MADE: dict[tuple[str, int], tuple[ChannelSettings, ChannelPolicy]] = {}


def _policy(name: str, settings: ChannelSettings) -> ChannelPolicy:
    if name == "telegram":
        return telegram_policy(settings)
    if name == "whatsapp":
        return twilio_whatsapp_policy(settings)
    if name == "sms":
        return twilio_sms_policy(settings)
    return simulator_policy()


def policy_of(channel: object | None, name: str) -> ChannelPolicy:
    """``channel.policy``; a channel without one (an old test double) gets its name's."""
    policy = getattr(channel, "policy", None)
    return policy if isinstance(policy, ChannelPolicy) else policy_for(name)
