"""Item 11: a wrong config stops start-up with a clear message, not every cadence pass later.

Also: commands outside a project directory say so, and ``quita demo`` never lands on a
database with real data (or a production database) by accident.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ENVIRONMENT, ConfigError, load_settings, valid_cnpj


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("hours", "reason"),
    [
        ("8h-20h", "must look like 08:00-20:00"),
        ("20:00-08:00", "cannot cross midnight"),
        ("08:00 to 20:00", "must look like 08:00-20:00"),
        ("25:00-26:00", "must look like 08:00-20:00"),
    ],
)
def test_bad_contact_hours_stop_start_up(tmp_path: Path, hours: str, reason: str) -> None:
    path = write(tmp_path, f'cadence:\n  contact_hours:\n    mon: "{hours}"\n')
    with pytest.raises(ConfigError, match=reason) as info:
        load_settings(path, environ={})
    assert "cadence.contact_hours.mon" in str(info.value)


def test_contact_hours_with_no_day_at_all_stop_start_up(tmp_path: Path) -> None:
    days = "".join(f"    {d}: null\n" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    with pytest.raises(ConfigError, match="no day of the week"):
        load_settings(write(tmp_path, "cadence:\n  contact_hours:\n" + days), environ={})


@pytest.mark.parametrize("steps", ["[0, -3, 7]", "[-3, 0, 0, 7]", "[]"])
def test_unsorted_or_duplicate_steps_stop_start_up(tmp_path: Path, steps: str) -> None:
    with pytest.raises(ConfigError, match="cadence.steps"):
        load_settings(write(tmp_path, f"cadence:\n  steps: {steps}\n"), environ={})


def test_empty_pix_key_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="payments.pix_key"):
        load_settings(write(tmp_path, 'payments:\n  pix_key: "  "\n'), environ={})


def test_cnpj_check_digits(tmp_path: Path) -> None:
    assert valid_cnpj("11.222.333/0001-81")
    assert valid_cnpj("12.345.678/0001-95")
    assert not valid_cnpj("12.345.678/0001-91")
    assert not valid_cnpj("00.000.000/0000-00")
    with pytest.raises(ConfigError, match="business.cnpj"):
        load_settings(write(tmp_path, 'business:\n  cnpj: "11.222.333/0001-80"\n'), environ={})
    # the example shop's placeholder (config.yml, demo, scripts) is the one exception
    assert load_settings(write(tmp_path, "# defaults\n"), environ={}).business.cnpj == (
        "12.345.678/0001-90"
    )


def test_the_project_config_is_valid() -> None:
    load_settings(Path("config.yml"), environ={})


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "business:\n  name: Loja\ncadence:\n  steps: [1, 2\n  weekly_cap: 3\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    message = str(info.value)
    assert f"{path}:" in message
    assert "YAML syntax error" in message
    line = int(message.split(f"{path}:", 1)[1].split(":", 1)[0])
    assert 4 <= line <= 5


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ENVIRONMENT:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("QUITA_CONFIG", raising=False)


@pytest.mark.usefixtures("clean_env")
def test_command_outside_a_project_says_so_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "no config.yml" in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == [], "no empty quita.db left behind"


@pytest.mark.usefixtures("clean_env")
def test_bad_config_is_one_line_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, 'cadence:\n  contact_hours:\n    mon: "8h-20h"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("quita: ")
    assert "8h-20h" in err
    assert len(err.splitlines()) == 1


@pytest.mark.usefixtures("clean_env")
def test_demo_refuses_a_database_with_real_data_unless_forced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'quita.db'}"
    monkeypatch.setenv("QUITA_CONFIG", str(write(tmp_path, f'database_url: "{url}"\n')))
    portfolio = tmp_path / "p.csv"
    portfolio.write_text(
        "debtor_ref,name,phone,telegram_chat_id,language,document,debt_ref,description,"
        "amount,due_date\nR-1,Maria Real,+5511990000001,,pt,,R-1-1,TV,100.00,2026-11-10\n",
        encoding="utf-8",
    )
    assert main(["demo"]) == 0, "an empty database takes the demo"
    assert main(["demo"]) == 0, "and the demo again (a refresh)"
    assert main(["db", "upgrade"]) == 0
    assert main(["import", "portfolio", str(portfolio)]) == 0
    capsys.readouterr()
    assert main(["demo"]) == 1
    assert "non-demo debtors" in capsys.readouterr().err
    assert main(["demo", "--force"]) == 0


@pytest.mark.usefixtures("clean_env")
def test_demo_refuses_a_server_database_not_marked_as_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, 'database_url: "postgresql://nobody@127.0.0.1:1/prod"\n')
    monkeypatch.setenv("QUITA_CONFIG", str(path))
    assert main(["demo"]) == 1
    assert "production database" in capsys.readouterr().err
