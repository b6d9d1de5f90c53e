"""Everything the console and dashboard show is in words, in both languages (issue 16)."""

from __future__ import annotations

from decimal import Decimal

from bot.conversation.limits import WHY_CODES
from bot.core.enums import ConversationStatus, DeliveryStatus, EventKind, Role
from bot.web.i18n import STRINGS
from bot.web.kpis import DPD_BUCKETS
from bot.web.log import OUTCOME_NAMES
from bot.web.pages import format_percent


def test_every_code_shown_has_words_in_both_languages() -> None:
    wanted = (
        [f"status.{s}" for s in ConversationStatus]
        + [f"delivery.{s}" for s in DeliveryStatus]
        + [f"role.{r}" for r in Role]
        + [f"event.{k}" for k in EventKind]
        + [f"why.{w}" for w in WHY_CODES]
        + [f"dpd.{b}" for b in DPD_BUCKETS]
        + [f"outcome.{o}" for o in OUTCOME_NAMES]
    )
    missing = [key for key in wanted if key not in STRINGS]
    assert missing == []
    assert all(pt and en for pt, en in STRINGS.values())


def test_percentages_follow_the_language() -> None:
    assert format_percent(Decimal("1"), "pt") == "100,0 %"
    assert format_percent(Decimal("0.8333"), "en") == "83.3%"
