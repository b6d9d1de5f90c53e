"""Settings: defaults, strict keys that name themselves, secrets only from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ENVIRONMENT, ConfigError, Settings, load_settings

REPO_CONFIG = Path(__file__).resolve().parent.parent / "config.yml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_load_without_a_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "absent.yml", environ={})
    assert settings == Settings()
    assert settings.database_url == "sqlite:///quita.db"
    assert settings.redis_url is None
    assert settings.identity_check == "confirm_name"
    assert settings.business.timezone == "America/Sao_Paulo"
    assert not settings.telegram_enabled
    assert not settings.twilio_enabled


def test_an_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, "# nothing\n"), environ={}) == Settings()


def test_the_repository_config_loads() -> None:
    settings = load_settings(REPO_CONFIG, environ={})
    assert settings.business.default_language in ("pt", "en")
    assert settings.offers.path == Path("offers/default.yml")
    assert settings.secret_key is None


def test_values_from_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
business: {name: Loja da Ana, timezone: America/Manaus, default_language: en}
identity_check: none
cadence: {steps: [-1, 0, 5], contact_hours: {sat: null}}
channels: {telegram: {mode: polling}}
""",
    )
    settings = load_settings(path, environ={})
    assert settings.business.name == "Loja da Ana"
    assert settings.business.cnpj == Settings().business.cnpj  # untouched keys keep defaults
    assert settings.identity_check == "none"
    assert settings.cadence.steps == (-1, 0, 5)
    assert settings.cadence.contact_hours.sat is None
    assert settings.cadence.contact_hours.mon == "08:00-20:00"
    assert settings.channels.telegram.mode == "polling"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("databse_url: x\n", "unknown key 'databse_url'"),
        ("business: {nmae: Loja}\n", "unknown key 'business.nmae'"),
        ("channels: {telegram: {modes: polling}}\n", "unknown key 'channels.telegram.modes'"),
        ("identity_check: maybe\n", "'identity_check'"),
        ("business: {default_language: es}\n", "'business.default_language'"),
        ("business: {timezone: Mars/Olympus}\n", "'business.timezone': Value error, unknown"),
        ("nlu: {threshold: 2}\n", "'nlu.threshold'"),
        ("cadence: {weekly_cap: many}\n", "'cadence.weekly_cap'"),
        ("cadence: {steps: [1, soon]}\n", "'cadence.steps.1'"),
        ("business: Loja\n", "'business'"),
        ("console: {holding_reply_minutes: 0}\n", "'console.holding_reply_minutes'"),
        ("console: {holding_reply_minutes: often}\n", "'console.holding_reply_minutes'"),
    ],
)
def test_a_wrong_or_unknown_key_names_itself(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")) as caught:
        load_settings(write(tmp_path, text), environ={})
    assert str(tmp_path / "config.yml") in str(caught.value)


def test_the_holding_reply_interval_is_configured(tmp_path: Path) -> None:
    assert Settings().console.holding_reply_minutes == 30
    path = write(tmp_path, "console: {holding_reply_minutes: 120}\n")
    settings = load_settings(path, environ={})
    assert settings.console.holding_reply_minutes == 120


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, "foo: 1\nbusiness: {bar: 2}\n"), environ={})
    assert "unknown key 'foo'" in str(caught.value)
    assert "unknown key 'business.bar'" in str(caught.value)


def test_the_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mapping"):
        load_settings(write(tmp_path, "- a\n- b\n"), environ={})


@pytest.mark.parametrize(
    "key",
    [
        "secret_key",
        "telegram_bot_token",
        "telegram_webhook_secret",
        "twilio_auth_token",
        "twilio_account_sid",
    ],
)
def test_a_secret_in_the_file_is_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ConfigError, match=f"'{key}' is a secret"):
        load_settings(write(tmp_path, f"{key}: hunter2\n"), environ={})


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
database_url: "sqlite:///from-file.db"
redis_url: "redis://file:6379/0"
public_url: "http://file"
channels: {telegram: {mode: webhook, bot_username: quita_bot}}
""",
    )
    environ = {
        "QUITA_DATABASE_URL": "postgresql://quita@db/quita",
        "QUITA_REDIS_URL": "redis://env:6379/1",
        "QUITA_PUBLIC_URL": "https://quita.example.com",
        "QUITA_SECRET_KEY": "s3cret-from-env",
        "QUITA_TELEGRAM_MODE": "polling",
        "TELEGRAM_BOT_TOKEN": "123:abc",
        "TWILIO_ACCOUNT_SID": "AC123",
        "TWILIO_AUTH_TOKEN": "token",
        "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
    }
    settings = load_settings(path, environ=environ)
    assert settings.database_url == "postgresql://quita@db/quita"
    assert settings.redis_url == "redis://env:6379/1"
    assert settings.public_url == "https://quita.example.com"
    assert settings.secret_key == "s3cret-from-env"
    assert settings.channels.telegram.mode == "polling"
    assert settings.channels.telegram.bot_username == "quita_bot"  # the rest of the file stays
    assert settings.telegram_bot_token == "123:abc"
    assert settings.telegram_enabled
    assert settings.twilio_enabled
    assert settings.twilio_whatsapp_from == "whatsapp:+14155238886"


def test_the_environment_wins_over_overrides(tmp_path: Path) -> None:
    settings = load_settings(
        tmp_path / "absent.yml",
        overrides={"database_url": "sqlite:///override.db", "assistant_name": "Ana"},
        environ={"QUITA_DATABASE_URL": "sqlite:///env.db"},
    )
    assert settings.database_url == "sqlite:///env.db"
    assert settings.assistant_name == "Ana"


def test_every_environment_variable_reaches_a_real_key() -> None:
    for variable in ENVIRONMENT:
        value = "polling" if variable == "QUITA_TELEGRAM_MODE" else "x"
        if variable == "QUITA_NLU_BACKEND":
            value = "rasa"
        if variable == "QUITA_DEMO":
            value = "1"
        load_settings(Path("/nonexistent/config.yml"), environ={variable: value})


def test_a_wrong_value_from_the_environment_names_the_key() -> None:
    with pytest.raises(ConfigError, match="'channels.telegram.mode'"):
        load_settings(Path("/nonexistent.yml"), environ={"QUITA_TELEGRAM_MODE": "carrier-pigeon"})


def test_an_empty_environment_variable_is_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, 'database_url: "sqlite:///from-file.db"\n')
    settings = load_settings(path, environ={"QUITA_DATABASE_URL": ""})
    assert settings.database_url == "sqlite:///from-file.db"


def test_quita_config_points_at_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "assistant_name: Bia\n")
    monkeypatch.setenv("QUITA_CONFIG", str(path))
    for variable in ENVIRONMENT:
        monkeypatch.delenv(variable, raising=False)
    assert load_settings().assistant_name == "Bia"


def test_quita_config_pointing_nowhere_fails(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yml"
    with pytest.raises(ConfigError, match="missing file"):
        load_settings(missing, environ={"QUITA_CONFIG": str(missing)})


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.database_url = "sqlite:///other.db"  # type: ignore[misc]


def test_the_shops_facts_are_validated(tmp_path: Path) -> None:
    path = tmp_path / "config.yml"
    path.write_text(
        "business:\n"
        "  address: 'Rua A, 1'\n"
        "  store_hours: 'seg a sex, 9h às 18h'\n"
        "  store_payment_methods: [cash, card]\n"
        "  credit_bureau_policy: {pt: 'Só após 60 dias.', en: 'Only after 60 days.'}\n"
        "  verification_hint: 'Ligue para a loja.'\n"
        "  website: www.loja.com.br\n",
        encoding="utf-8",
    )
    business = load_settings(path, environ={}).business
    assert business.store_payment_methods == ("cash", "card")
    assert business.credit_bureau_policy is not None
    assert business.credit_bureau_policy.get("en") == "Only after 60 days."
    # one text stands for both languages
    assert business.verification_hint is not None
    assert business.verification_hint.get("en") == "Ligue para a loja."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("business: {store_payment_methods: [bitcoin]}", "business.store_payment_methods.0"),
        ("business: {store_payment_methods: [pix, pix]}", "listed twice"),
        ("business: {credit_bureau_policy: {pt: 'x'}}", "business.credit_bureau_policy.en"),
        ("business: {address: '  '}", "business.address"),
        ("business: {website: 'not a site'}", "business.website"),
        ("business: {verification_hint: {pt: '', en: 'x'}}", "verification_hint.pt"),
    ],
)
def test_wrong_shop_facts_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_settings(path, environ={})
