"""Everything the console and dashboard show is in words, in both languages (issue 16)."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.conversation.limits import WHY_CODES
from bot.core.enums import ConversationStatus, DeliveryStatus, EventKind, Role
from bot.web.event_details import event_details
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


def test_event_details_in_both_languages() -> None:
    data = {
        "why": "discount_beyond_book",
        "request_kind": "agreement",
        "total": "1234.5",
        "first_due": "2026-12-10",
        "needs_approval": True,
        "to_agent": 7,
        "note": "free_text stays as written",
    }
    names = {7: "Bia"}
    pt = dict(event_details("pt", data, names))
    en = dict(event_details("en", data, names))
    assert pt["Motivo"] == STRINGS["why.discount_beyond_book"][0]
    assert en["Why"] == STRINGS["why.discount_beyond_book"][1]
    assert (pt["Pedido"], en["Request"]) == ("Acordo", "Agreement")
    assert (pt["Total"], en["Total"]) == ("R$ 1.234,50", "R$1,234.50")
    assert (pt["1º vencimento"], en["First due"]) == ("10/12/2026", "10/12/2026")
    assert (pt["Precisa de aprovação"], en["Needs approval"]) == ("sim", "yes")
    assert (pt["Para"], en["To"]) == ("Bia", "Bia")
    assert pt["Nota"] == "free_text stays as written"
    # moments are shown in the business's time zone, days as days
    paid = {"paid_at": "2026-12-03T12:29:00+00:00", "due": "2026-12-10"}
    sao_paulo = dict(event_details("pt", paid, None, ZoneInfo("America/Sao_Paulo")))
    assert sao_paulo == {"Pago em": "03/12/2026 09:29", "Vencimento": "10/12/2026"}
    # a key nobody named yet is still shown, readably
    assert event_details("en", {"brand_new": "x_y"}) == [("brand new", "x_y")]


def test_every_event_data_key_the_code_writes_has_a_name() -> None:
    """Keys passed to the event log by keyword, found in the source, have words."""
    import ast
    from pathlib import Path

    skip = {"at", "actor", "debtor_id", "conversation_id", "data", "kind"}
    found: set[str] = set()
    for path in Path("bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "event":
                found |= {k.arg for k in node.keywords if k.arg and k.arg not in skip}
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_agent_event":
                found |= {k.arg for k in node.keywords if k.arg and k.arg not in skip}
    assert found  # the scan works
    assert sorted(k for k in found if f"field.{k}" not in STRINGS) == []
