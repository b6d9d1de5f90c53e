"""Already paid, receipts, media, debt details and payment method."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from dialogue_helpers import BRT, make_parse, of_type, replies

from bot.core.domain import AgreementView, Media, PromiseView, ScheduledPayment
from bot.dialogue.actions import KeepReceipt, PauseReminders, Reply, SendPaymentInfo
from bot.dialogue.context import Reminder, UserTurn


def test_already_paid_thanks_asks_receipt_pauses_reminders(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("already_paid", text="já paguei ontem", date="2026-11-22")
    # 3 business days after Monday 23/11
    assert of_type(d, PauseReminders) == [PauseReminders(date(2026, 11, 26), "already_paid")]
    assert replies(d) == ["already_paid"]
    assert "comprovante" in c.texts[-1]
    media = (Media("image", "https://x/r.jpg", "image/jpeg"),)
    d = c.send(UserTurn(make_parse("out_of_scope", conf=0.0, text=""), media))
    assert of_type(d, KeepReceipt) == [KeepReceipt("https://x/r.jpg", "image/jpeg")]
    assert replies(d) == ["receipt_received"]


def test_pause_skips_the_weekend(convo: Any) -> None:
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=BRT)
    c = convo(now=friday)
    d = c.say("already_paid")
    assert of_type(d, PauseReminders)[0].until == date(2026, 12, 2)  # type: ignore[union-attr]


def test_audio_and_stickers_get_text_only(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    for kind in ("audio", "sticker"):
        d = c.send(UserTurn(make_parse("out_of_scope", conf=0.0, text=""), (Media(kind),)))
        assert replies(d) == ["media_text_only"]
        assert not of_type(d, KeepReceipt)
    # media does not count as "not understood"
    assert c.state.not_understood_streak == 0


def test_a_photo_sent_unprompted_is_kept_as_a_receipt_and_pauses_reminders(convo: Any) -> None:
    """In a collections chat a photo or PDF with no words is nearly always the receipt."""
    c = convo()
    c.send(Reminder("overdue"))
    photo = Media("image", "https://x/p.jpg", "image/jpeg")
    d = c.send(UserTurn(make_parse("out_of_scope", conf=0.0, text=""), (photo,)))
    assert of_type(d, KeepReceipt) == [KeepReceipt("https://x/p.jpg", "image/jpeg")]
    assert of_type(d, PauseReminders) == [PauseReminders(date(2026, 11, 26), "receipt_sent")]
    assert replies(d) == ["receipt_received_unprompted"]
    assert "comprovante" in c.texts[-1]
    assert c.state.not_understood_streak == 0


def test_a_file_from_a_chat_with_nothing_to_pay_is_not_a_receipt(convo: Any) -> None:
    c = convo(debts=())
    d = c.send(UserTurn(make_parse("out_of_scope", conf=0.0, text=""), (Media("document"),)))
    assert replies(d)[-1] == "media_text_only"
    assert not of_type(d, KeepReceipt)


def test_already_paid_with_the_receipt_attached_keeps_it_at_once(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    pdf = Media("document", "https://x/r.pdf", "application/pdf")
    d = c.send(UserTurn(make_parse("already_paid", text="já paguei, segue o comprovante"), (pdf,)))
    assert of_type(d, KeepReceipt) == [KeepReceipt("https://x/r.pdf", "application/pdf")]
    assert of_type(d, PauseReminders)
    assert replies(d) == ["receipt_received"]
    assert not c.state.awaiting_receipt  # not asked for again


def test_a_caption_not_understood_lets_the_file_speak(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    photo = Media("image", "https://x/p.jpg", "image/jpeg")
    d = c.send(UserTurn(make_parse("out_of_scope", conf=0.0, text="segue"), (photo,)))
    assert of_type(d, KeepReceipt) == [KeepReceipt("https://x/p.jpg", "image/jpeg")]
    assert replies(d) == ["receipt_received_unprompted"]


def test_debt_details_for_a_verified_person(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("ask_debt_details", text="quanto eu devo?")
    assert replies(d) == ["debt_details"]
    text = c.texts[-1]
    assert "Guarda-roupa" in text
    assert "R$ 450,00" in text
    assert "12/11/2026" in text
    assert "R$ 460,65" in text


def test_payment_method_sends_pix_for_the_balance(convo: Any) -> None:
    c = convo()
    c.send(Reminder("overdue"))
    d = c.say("ask_payment_method", text="me manda o pix", payment_method="pix")
    info = of_type(d, SendPaymentInfo)[0]
    assert info.amount == Decimal("460.65")
    assert info.method == "pix"
    reply = [a for a in d.actions if isinstance(a, Reply)][0]
    assert reply.attach_pix_qr
    assert reply.response == "payment_info"


def test_payment_method_for_the_open_promise_and_boleto(convo: Any) -> None:
    promise = PromiseView(
        1,
        date(2026, 11, 27),
        Decimal("100.00"),
        "open",
        datetime.fromisoformat("2026-11-20T10:00:00-03:00"),
    )
    c = convo(promise=promise)
    d = c.say("ask_payment_method", text="tem boleto?", payment_method="boleto")
    info = of_type(d, SendPaymentInfo)[0]
    assert info.amount == Decimal("100.00")
    assert info.method == "boleto"
    assert not [a for a in d.actions if isinstance(a, Reply) and a.attach_pix_qr]


def _three_x_first_paid() -> AgreementView:
    return AgreementView(
        1,
        "three_x",
        Decimal("450.00"),
        "active",
        (
            ScheduledPayment(1, date(2026, 11, 10), Decimal("150.00")),
            ScheduledPayment(2, date(2026, 12, 10), Decimal("150.00")),
        ),
        paid_numbers=(1,),
    )


def test_payment_method_for_the_next_installment(convo: Any) -> None:
    agreement = _three_x_first_paid()
    c = convo(agreement=agreement)
    d = c.say("ask_payment_method")
    assert of_type(d, SendPaymentInfo)[0].amount == Decimal("150.00")  # type: ignore[union-attr]
    assert "10/12/2026" in c.texts[-1]


def test_the_next_installment_keeps_the_reference_its_code_had_at_the_agreement(
    convo: Any,
) -> None:
    """ "manda o pix" again for an installment labels it as the agreement's own code did:
    one payment, one reference in the shop's statement."""
    from bot.dialogue.turn import payment_reference

    agreement = _three_x_first_paid()
    c = convo(agreement=agreement)
    first = of_type(c.say("ask_payment_method", text="me manda o pix"), SendPaymentInfo)[0]
    again = of_type(c.say("ask_payment_method", text="manda de novo"), SendPaymentInfo)[0]
    expected = payment_reference(c.ctx.debtor.ref, "three_x", "2")
    assert first.reference == again.reference == expected  # type: ignore[union-attr]
