"""Every response the engine can ask for. Each must exist in every language's responses."""

from __future__ import annotations

REMINDER_TEMPLATES: tuple[str, ...] = (
    "due_soon",
    "due_today",
    "overdue",
    "promise_day",
    "promise_broken",
    "installment_due",
    "callback",
    "thank_you",
)

# Labels of the answers a person may tap, rendered by the runtime with each reply that
# offers them (bot.dialogue.choices); short: a WhatsApp reply button holds 20 characters.
CHOICE_LABELS: frozenset[str] = frozenset(
    {
        "choice_yes",
        "choice_no",
        "choice_identity_yes",
        "choice_identity_no",
        "choice_close_yes",
        "choice_close_no",
        "choice_plan",
        "choice_plan_detail",
        "choices_button",
    }
)

# Responses the runtime asks for itself (unknown sender, approved agreement).
RUNTIME_RESPONSES: frozenset[str] = CHOICE_LABELS | frozenset(
    {
        "unknown_contact",
        "unknown_contact_telegram",
        "link_failed",
        "agreement_approved",
        "portal_link",  # the self-service page's link, after offers (bot.portal.chat)
        "portal_handoff",  # "talk to a person" pressed on the page
    }
)

RESPONSES: frozenset[str] = RUNTIME_RESPONSES | frozenset(
    {
        # first contact and identity
        "intro",
        "identity_ask",
        "identity_confirmed",
        "identity_thanks",
        "identity_ask_again",
        "hardship_ack",
        "language_switched",
        "identity_denied",
        "wrong_person",
        "closed",
        "ask_identity",
        # reminders (business-initiated)
        "reminder_confirm_name",
        "reminder_generic",
        *(f"reminder_{name}" for name in REMINDER_TEMPLATES),
        # promises, hardship, callbacks
        "promise_recorded",
        "store_closed_that_day",
        "promise_rest_later",
        "promise_part_and_rest",  # "150 hj e o resto dia 10"
        "ask_promise_date",
        "promise_date_past",
        "promise_too_far",
        "cannot_pay",
        "no_means",
        "callback_ok",
        "follow_up_ok",
        "request_approval",
        # offers and agreements
        "offers",
        "hardship_offers_on_screen",  # the hardship offers just shown: the lightest one
        "no_offers",
        "plan_summary",
        "option_invalid",
        "option_which",
        "agreement_created",
        "first_payment_at_store",
        "approval_pending",
        "handoff_offers_refused",
        # payments and data
        "payment_info",
        "named_debt_pay",
        "named_debt_amount",
        "named_debt_due",
        "fewer_messages",
        "no_email",
        "whats_next",
        "ask_part_amount",
        "price_complaint",
        "no_agreement_now",
        "rest_after_part",
        "promise_parts_and_rest",
        "part_now_rest_which_day",  # "half now and half next week": the part noted, which day?
        "already_paid",
        "already_paid_seen",  # "paguei" just after the store confirmed it
        "receipt_received",
        "receipt_awaited",
        "receipt_how",
        "callback_acknowledged",
        "closed_thanks",
        "closed_relative_pays",
        "promise_rest_pending",
        "no_receipt_check",
        "reply_unavailable",
        "receipt_received_unprompted",
        "media_text_only",
        "debt_details",
        "debt_details_none",
        "payment_thanks",
        # safety and people
        "opt_out",
        "dispute",
        "handoff_human",
        "handoff_other_contact",  # "manda pro número dela"
        "holding_reply",  # the chat waits for an agent (bot.conversation.holding)
        "insult_calm",
        "handoff_insult",
        "agent_released",
        # questions answered from data (bot.dialogue.handlers_questions)
        "answer_needs_identity",
        "answer_business_identity",
        "answer_number_source",
        "answer_scam",
        "answer_pay_at_store",
        "answer_card_installments",  # "pode parcelar no cartão?"
        "answer_store_hours",
        "answer_plan_dates",
        "answer_paid_to_person",
        "answer_other_question",
        "answer_breakdown",
        "answer_charge_origin",
        "answer_status",
        "answer_credit_bureau",
        "answer_deadline",
        "answer_late_payment",
        "answer_consequences",
        "answer_store_agreement",
        "answer_product_issue",
        "answer_by_person",
        "answer_plan_total",
        "answer_partial_payment",
        "answer_without_method",
        "answer_without_method_person",
        "relative_answered",
        # social and fallback
        "greet",
        "thanks",
        "goodbye",
        "acknowledge",
        "laughter",  # "kkkkk" alone
        "someone_else_pays",  # "my husband handles this": anyone can pay, we keep writing here
        "acknowledge_later",
        "agreement_change_person",
        "agreement_pay_rest",
        "answer_pay_early",  # "posso pagar a segunda antes?"
        "answer_privacy_request",
        "closed_debtor_back",
        "answer_left_pending",
        "not_understood",
        "not_understood_offer_human",
        "handoff_not_understood",
    }
)
