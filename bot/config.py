"""One validated settings object, from ``config.yml`` plus environment variables.

Secrets come only from the environment. An unknown or wrong key stops start-up with its name.
"""

from __future__ import annotations

import os
import re
from datetime import time
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)


class ConfigError(Exception):
    """The configuration is wrong; the message names the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


PaymentMethodName = Literal["pix", "boleto", "card", "cash", "transfer", "link"]


def _text(value: str, what: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise ValueError(f"{what} must not be empty")
    return text


class LocalizedText(_Strict):
    """A text a debtor reads, in both languages (a single string is used for both)."""

    pt: str
    en: str

    @field_validator("pt", "en")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        return _text(value, "the text")

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.pt


def _localized(value: Any) -> Any:
    """A plain string stands for the same text in every language."""
    return {"pt": value, "en": value} if isinstance(value, str) else value


# the example shop's CNPJ (config.yml, the demo, the conversation scripts): a placeholder whose
# check digits are deliberately not valid, accepted as the one exception
EXAMPLE_CNPJ = "12.345.678/0001-90"


class BusinessSettings(_Strict):
    name: str = "Loja Exemplo"
    cnpj: str = EXAMPLE_CNPJ
    contact_phone: str = "+55 11 4000-0000"
    timezone: str = "America/Sao_Paulo"
    default_language: Literal["pt", "en"] = "pt"
    state: str | None = None  # UF, for state holidays
    agent_hours: str = "seg a sex, 9h às 18h"
    # The shop's facts the bot answers questions with ("posso pagar na loja?", "é golpe?").
    address: str | None = None  # where to pay at the counter
    store_hours: LocalizedText | None = None  # when the counter is open
    store_payment_methods: tuple[PaymentMethodName, ...] = ()  # accepted at the counter
    credit_bureau_policy: LocalizedText | None = None  # SPC/Serasa; null: a person answers
    verification_hint: LocalizedText | None = None  # how to check it is really the shop
    website: str | None = None

    @field_validator("address", "website")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        return None if value is None else _text(value, "the value")

    @field_validator("website")
    @classmethod
    def _looks_like_a_site(cls, value: str | None) -> str | None:
        if value is not None and (" " in value or "." not in value):
            raise ValueError(f"not a web address: {value!r}")
        return value

    @field_validator("store_hours", "credit_bureau_policy", "verification_hint", mode="before")
    @classmethod
    def _one_text_for_both(cls, value: Any) -> Any:
        return _localized(value)

    @field_validator("store_payment_methods")
    @classmethod
    def _no_repeats(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a payment method is listed twice")
        return value

    @field_validator("cnpj")
    @classmethod
    def _valid_cnpj(cls, value: str) -> str:
        if value != EXAMPLE_CNPJ and not valid_cnpj(value):
            raise ValueError(f"{value!r} is not a valid CNPJ (check digits)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value


class NLUSettings(_Strict):
    backend: Literal["embedded", "rasa"] = "embedded"
    rasa_url: str | None = None
    rasa_timeout_seconds: float = 2.0
    threshold: float = Field(default=0.55, ge=0, le=1)
    data_dir: Path = Path("nlu_data")
    model_path: Path = Path(".quita/nlu-model.pkl")


class TelegramSettings(_Strict):
    enabled: bool = True  # still needs TELEGRAM_BOT_TOKEN
    mode: Literal["webhook", "polling"] = "webhook"
    bot_username: str | None = None  # for /start deep links
    messages_per_second: float = 30.0
    per_chat_per_second: float = 1.0


INTERACTIVE_KIND = re.compile(r"(yes_no|identity|options)(_\d{1,2})?")
CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")


class TwilioSettings(_Strict):
    enabled: bool = True  # still needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN
    # Twilio queues per sender number: a WhatsApp sender takes 80 messages/s by default,
    # an SMS long code far fewer (its own figure; 10/s suits a Brazilian short code).
    messages_per_second: float = 10.0  # SMS
    whatsapp_messages_per_second: float = 80.0
    # our template name -> Content API ContentSid (approved WhatsApp templates)
    templates: dict[str, str] = Field(default_factory=dict)
    # tappable answers on WhatsApp: a kind (yes_no | identity | options, or "options_3" for
    # a template with exactly 3 items) -> the ContentSid of a quick-reply or list-picker
    # template; without one the answers go as text. Variables: see TwilioChannel.
    interactive: dict[str, str] = Field(default_factory=dict)

    @field_validator("interactive")
    @classmethod
    def _interactive_kinds(cls, value: dict[str, str]) -> dict[str, str]:
        for kind, sid in value.items():
            if not INTERACTIVE_KIND.fullmatch(kind):
                raise ValueError(f"unknown kind {kind!r} (yes_no, identity, options, options_N)")
            if not CONTENT_SID.fullmatch(sid):
                raise ValueError(f"{kind}: {sid!r} is not a ContentSid (HX + 32 hex digits)")
        return value


class ChannelSettings(_Strict):
    telegram: TelegramSettings = TelegramSettings()
    twilio: TwilioSettings = TwilioSettings()
    send_max_attempts: int = 8
    send_backoff_seconds: float = 2.0


def parse_window(text: str) -> tuple[time, time]:
    """``"08:00-20:00"`` -> (08:00, 20:00). Same-day windows only: the end is after the start."""
    match = re.fullmatch(r"\s*(\d{2}:\d{2})\s*-\s*(\d{2}:\d{2})\s*", text)
    try:
        if match is None:
            raise ValueError
        start, end = time.fromisoformat(match[1]), time.fromisoformat(match[2])
    except ValueError:
        raise ValueError(f"contact hours must look like 08:00-20:00, not {text!r}") from None
    if end <= start:
        raise ValueError(
            f"contact hours {text!r} end before they start (a window cannot cross midnight)"
        )
    return start, end


class ContactHours(_Strict):
    # weekday (mon..sun) -> "HH:MM-HH:MM" or null for no contact that day
    mon: str | None = "08:00-20:00"
    tue: str | None = "08:00-20:00"
    wed: str | None = "08:00-20:00"
    thu: str | None = "08:00-20:00"
    fri: str | None = "08:00-20:00"
    sat: str | None = "08:00-14:00"
    sun: str | None = None

    @field_validator("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    @classmethod
    def _window(cls, value: str | None) -> str | None:
        if value is not None:
            parse_window(value)  # fail at start-up, not on every cadence pass
        return value

    @model_validator(mode="after")
    def _some_day(self) -> ContactHours:
        if all(value is None for value in self.model_dump().values()):
            raise ValueError("contact hours allow no day of the week")
        return self


class CadenceSettings(_Strict):
    enabled: bool = True
    # days relative to the due date; after the last, repeat every `repeat_every_days`
    steps: tuple[int, ...] = (-3, 0, 1, 7, 15, 30)
    repeat_every_days: int = Field(default=15, ge=0)  # 0: no repeat after the last step
    profile: Literal["br", "us"] = "br"
    contact_hours: ContactHours = ContactHours()
    holidays_country: str = "BR"
    weekly_cap: int = Field(default=3, ge=0)
    # at least this long between two business-initiated collection messages, on top of the
    # weekly cap (reminders of what the debtor agreed to or asked for are exempt)
    min_gap_hours: int = Field(default=48, ge=0, le=168)
    already_paid_pause_business_days: int = 3
    promise_reminder_time: str = "09:00"
    installment_reminder_days: tuple[int, ...] = (-2, 0, 3)
    agreement_grace_days: int = 5
    interval_seconds: int = 60  # how often the embedded scheduler runs a pass

    @field_validator("steps", "installment_reminder_days")
    @classmethod
    def _sorted_unique(cls, value: tuple[int, ...], info: ValidationInfo) -> tuple[int, ...]:
        if not value and info.field_name == "steps":
            raise ValueError("needs at least one day")
        if list(value) != sorted(set(value)):
            raise ValueError(
                f"days must be in increasing order without repeats, not {list(value)}"
            )
        return value

    @field_validator("promise_reminder_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not re.fullmatch(r"\d{2}:\d{2}", value.strip()):
            raise ValueError(f"must look like 09:00, not {value!r}")
        try:
            time.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a time of day") from None
        return value


class OfferSettings(_Strict):
    path: Path = Path("offers/default.yml")
    per_message: int = 2
    first_due_days: int = 3


class PaymentSettings(_Strict):
    pix_key: str = "pagamentos@lojaexemplo.com.br"
    merchant_name: str = "LOJA EXEMPLO"
    merchant_city: str = "SAO PAULO"
    link_template: str | None = None
    boleto_enabled: bool = False
    # static: a BR Code for pix_key, confirmed by import or the console; bacen_pix: a charge
    # with its own txid at the PSP (PIX_API_BASE_URL...), confirmed by webhook and sync
    provider: Literal["static", "bacen_pix"] = "static"
    token_path: str = "/oauth/token"
    charge_expiry_hours: int = Field(default=72, ge=1)  # an immediate charge (cob)
    validity_after_due_days: int = Field(default=30, ge=0)  # a charge with a due date (cobv)
    sync_every_minutes: int = Field(default=5, ge=1)
    sync_lookback_hours: int = Field(default=48, ge=1)
    # a receipt (comprovante): reminders pause this many business days while it is checked
    receipt_review_days: int = Field(default=3, ge=0)
    # a receipt matches a Pix received this many days around the time it was sent
    receipt_match_days: int = Field(default=3, ge=0)
    receipt_max_lookups: int = Field(default=6, ge=1)  # PSP searches before a person decides

    @field_validator("pix_key", "merchant_name", "merchant_city")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty (it goes into every PIX code)")
        return value


class PortalSettings(_Strict):
    """The debtor's self-service page (``/p/<token>``)."""

    enabled: bool = True
    link_ttl_hours: int = Field(default=72, ge=1, le=24 * 30)
    max_attempts: int = Field(default=5, ge=1, le=20)  # identity check, then locked
    session_minutes: int = Field(default=30, ge=5, le=24 * 60)
    in_reminders: bool = False  # cadence reminders carry the page's link (debtors it can check)


class PrivacySettings(_Strict):
    """LGPD: how long message bodies are kept; the basis for what erasure keeps."""

    message_retention_days: int | None = Field(default=None, ge=1)  # None: kept
    legal_basis: str = (
        "LGPD art. 16, I e art. 7º, II e VI: registros financeiros (dívidas, pagamentos, "
        "promessas e acordos) mantidos por obrigação legal e exercício regular de direitos"
    )


class WebSettings(_Strict):
    session_max_age_seconds: int = 8 * 3600
    login_attempts_per_minute: int = 5  # per IP and email
    login_attempts_per_ip_per_minute: int = 20  # one IP trying many emails
    login_attempts_overall_per_minute: int = 300  # the whole site (a distributed spray)
    default_language: Literal["pt", "en"] = "pt"


class ConsoleSettings(_Strict):
    """The agents' console."""

    # round_robin: a chat handed to a person goes straight to the next agent online
    auto_assign: Literal[False, "round_robin"] = False
    online_minutes: int = Field(default=10, ge=1, le=24 * 60)  # "online": seen this recently
    # while a chat waits for an agent nobody took: at most one holding reply this often
    holding_reply_minutes: int = Field(default=30, ge=1, le=24 * 60)


class Settings(_Strict):
    business: BusinessSettings = BusinessSettings()
    assistant_name: str = "Quita"
    # the response texts' compiled code, kept between runs (bot.dialogue.compiled_cache)
    responses_cache: Path = Path(".quita/responses.cache")
    identity_check: Literal["none", "confirm_name"] = "confirm_name"
    database_url: str = "sqlite:///quita.db"
    # PostgreSQL: threads per process doing database work (turns wait on round trips, so
    # more than the cores); the connection pool grows to match. SQLite uses one thread.
    database_threads: int = Field(default=12, ge=1, le=64)
    redis_url: str | None = None
    public_url: str = "http://localhost:8000"
    secret_key: str | None = None
    nlu: NLUSettings = NLUSettings()
    channels: ChannelSettings = ChannelSettings()
    cadence: CadenceSettings = CadenceSettings()
    offers: OfferSettings = OfferSettings()
    payments: PaymentSettings = PaymentSettings()
    web: WebSettings = WebSettings()
    privacy: PrivacySettings = PrivacySettings()
    portal: PortalSettings = PortalSettings()
    console: ConsoleSettings = ConsoleSettings()
    demo: bool = False  # the demo: simulator open without a login, demo logins shown
    # secrets, only from the environment (never from config.yml)
    telegram_bot_token: str | None = None
    telegram_api_base_url: str | None = None
    telegram_webhook_secret: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_whatsapp_from: str | None = None
    twilio_sms_from: str | None = None
    twilio_api_base_url: str | None = None
    pix_api_base_url: str | None = None
    pix_client_id: str | None = None
    pix_client_secret: str | None = None
    pix_cert_file: str | None = None
    pix_key_file: str | None = None
    pix_webhook_secret: str | None = None

    @property
    def telegram_enabled(self) -> bool:
        return self.channels.telegram.enabled and bool(self.telegram_bot_token)

    @property
    def twilio_enabled(self) -> bool:
        return (
            self.channels.twilio.enabled
            and bool(self.twilio_account_sid)
            and bool(self.twilio_auth_token)
        )


SECRET_KEYS = {
    "secret_key",
    "telegram_bot_token",
    "telegram_webhook_secret",
    "twilio_account_sid",
    "twilio_auth_token",
    "pix_client_secret",
    "pix_webhook_secret",
}

# environment variable -> (settings path). Each overrides config.yml.
ENVIRONMENT: dict[str, tuple[str, ...]] = {
    "QUITA_DATABASE_URL": ("database_url",),
    "QUITA_REDIS_URL": ("redis_url",),
    "QUITA_PUBLIC_URL": ("public_url",),
    "QUITA_SECRET_KEY": ("secret_key",),
    "QUITA_TELEGRAM_MODE": ("channels", "telegram", "mode"),
    "QUITA_NLU_BACKEND": ("nlu", "backend"),
    "QUITA_DEMO": ("demo",),
    "QUITA_RASA_URL": ("nlu", "rasa_url"),
    "TELEGRAM_BOT_TOKEN": ("telegram_bot_token",),
    "TELEGRAM_API_BASE_URL": ("telegram_api_base_url",),
    "TELEGRAM_WEBHOOK_SECRET": ("telegram_webhook_secret",),
    "TWILIO_ACCOUNT_SID": ("twilio_account_sid",),
    "TWILIO_AUTH_TOKEN": ("twilio_auth_token",),
    "TWILIO_WHATSAPP_FROM": ("twilio_whatsapp_from",),
    "TWILIO_SMS_FROM": ("twilio_sms_from",),
    "TWILIO_API_BASE_URL": ("twilio_api_base_url",),
    "PIX_API_BASE_URL": ("pix_api_base_url",),
    "PIX_CLIENT_ID": ("pix_client_id",),
    "PIX_CLIENT_SECRET": ("pix_client_secret",),
    "PIX_CERT_FILE": ("pix_cert_file",),
    "PIX_KEY_FILE": ("pix_key_file",),
    "PIX_WEBHOOK_SECRET": ("pix_webhook_secret",),
}


def valid_cnpj(text: str) -> bool:
    """True when ``text`` has 14 digits whose two check digits are right."""
    digits = [int(c) for c in re.sub(r"\D", "", text)]
    if len(digits) != 14 or len(set(digits)) == 1:
        return False
    weights = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
    for size in (12, 13):
        total = sum(d * w for d, w in zip(digits[:size], weights[13 - size :], strict=True))
        rest = total % 11
        if digits[size] != (0 if rest < 2 else 11 - rest):
            return False
    return True


def default_config_path() -> Path:
    return Path(os.environ.get("QUITA_CONFIG", "config.yml"))


def load_settings(
    path: Path | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Read config.yml (if present), apply ``overrides`` then the environment, validate."""
    env = os.environ if environ is None else environ
    path = path if path is not None else default_config_path()
    data: dict[str, Any] = {}
    if path.exists():
        loaded = _read_yaml(path)
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: the top level must be a mapping of keys")
        data = loaded
    elif "QUITA_CONFIG" in env and path == Path(env["QUITA_CONFIG"]):
        raise ConfigError(f"QUITA_CONFIG points to a missing file: {path}")
    for key in SECRET_KEYS & set(data):
        raise ConfigError(f"{path}: '{key}' is a secret; set it in the environment instead")
    if overrides:
        data = _merge(data, overrides)
    for variable, keys in ENVIRONMENT.items():
        value = env.get(variable)
        if value:
            data = _merge(data, _nested(keys, value))
    settings = validate(data, source=str(path))
    from bot.logs import remember_secret

    for key in SECRET_KEYS:  # masked in every log line from now on
        remember_secret(getattr(settings, key))
    return settings


def validate(data: dict[str, Any], *, source: str = "config") -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(part) for part in err["loc"])
            if err["type"] == "extra_forbidden":
                problems.append(f"unknown key '{key}'")
            else:
                problems.append(f"'{key}': {err['msg']}")
        raise ConfigError(f"{source}: " + "; ".join(problems)) from None


def _read_yaml(path: Path) -> Any:
    """The file's YAML; a syntax error names the file and the line (1-based)."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(f"{where}: YAML syntax error: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML syntax error: {exc}") from None


def _nested(keys: tuple[str, ...], value: Any) -> dict[str, Any]:
    out: Any = value
    for key in reversed(keys):
        out = {key: out}
    return out  # type: ignore[no-any-return]


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
