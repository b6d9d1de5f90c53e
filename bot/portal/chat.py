"""The page's link in the chat: sent once after the bot shows offers, while a link lasts.

Only for a debtor the page can check (a CPF on file): for anyone else the page could not
open, so the chat alone goes on.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.conversation.effects import Effects
from bot.core.enums import EventKind
from bot.dialogue.actions import Reply
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
