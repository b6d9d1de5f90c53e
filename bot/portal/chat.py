"""The page's link in the chat: sent once after the bot shows offers, while a link lasts,
and (``portal.in_reminders``) inside the cadence's reminders.

Only for a debtor the page can check (a CPF or a birth date on file): for anyone else the
page could not open, so the chat alone goes on.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.conversation.effects import Effects
from bot.core.enums import EventKind
from bot.dialogue.actions import Reply
from bot.dialogue.state import ConversationState
from bot.portal.links import can_check_identity, issue_link
from bot.portal.tokens import LinkSigner
from bot.secrets import resolve_secret_key  # the key the web app verifies with
from bot.store.tables import Event

LINK_SENT = EventKind.PORTAL_LINK_SENT


def offer_link(effects: Effects, language: str) -> None:
    """After ``offers_presented`` in this turn, add the page's link (once per link life).

    A dialogue hook (``TurnDeps.after_dialogue``): the runtime's wiring installs it."""
    settings = effects.settings
    debtor = effects.situation.debtor
    if (
        not settings.portal.enabled
        or debtor is None
        or "offers_presented" not in effects.outcome.events
        or not can_check_identity(debtor)
    ):
        return
    hours = settings.portal.link_ttl_hours
    recent = effects.session.scalar(
        select(Event.id)
        .where(
            Event.debtor_id == debtor.id,
            Event.kind == LINK_SENT,
            Event.at > effects.now - timedelta(hours=hours),
        )
        .limit(1)
    )
    if recent is not None:
        return
    signer = LinkSigner(resolve_secret_key(settings))
    link = issue_link(effects.session, signer, settings, debtor.id, effects.now)
    effects.reply(Reply("portal_link", vars={"link": link, "valid_hours": hours}), language)
    effects.event(LINK_SENT)


# Reminders that may carry the link: the debt and agreement reminders, never the
# "am I talking to ...?" one (nothing goes to a person not yet confirmed) nor the thank-you.
LINK_REMINDERS = frozenset(
    {
        "due_soon",
        "due_today",
        "overdue",
        "promise_day",
        "promise_broken",
        "installment_due",
        "callback",
        "generic",
    }
)


def reminder_link(effects: Effects, template: str) -> dict[str, str]:
    """The link for a reminder's text (``portal_link``, ``portal_hours``), or nothing.

    A ``TurnDeps.reminder_vars`` hook. The reminder still names the business and says how to
    stop as always; the link is one more line. Recorded as sent, so the chat does not send
    it again while it lasts."""
    settings = effects.settings
    debtor = effects.situation.debtor
    if (
        not settings.portal.enabled
        or not settings.portal.in_reminders
        or debtor is None
        or not can_check_identity(debtor)
        or _template_name(template) not in LINK_REMINDERS
    ):
        return {}
    state = ConversationState.from_dict(effects.conversation.state or {})
    unverified = settings.identity_check == "confirm_name" and not state.verified
    if unverified or state.opted_out or state.phase == "closed":
        return {}  # that reminder asks who it is (or is not sent): no link in it
    signer = LinkSigner(resolve_secret_key(settings))
    link = issue_link(effects.session, signer, settings, debtor.id, effects.now)
    effects.event(LINK_SENT, via="reminder")
    return {"portal_link": link, "portal_hours": str(settings.portal.link_ttl_hours)}


def _template_name(template: str) -> str:
    return template.removeprefix("reminder_")
