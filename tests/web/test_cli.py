"""``quita users add|list``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.store.db import make_engine, make_sessionmaker, upgrade
from bot.store.tables import User
from bot.web.security import verify_password


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'users.db'}"
    upgrade(url)
    monkeypatch.setenv("QUITA_DATABASE_URL", url)
    monkeypatch.setenv("QUITA_CONFIG", str(tmp_path / "none.yml"))
    (tmp_path / "none.yml").write_text("{}\n")
    return url


def _users(url: str) -> list[User]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        rows = list(session.scalars(select(User).order_by(User.id)))
    engine.dispose()
    return rows


def test_add_list_and_reset(
    database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        main(
            [
                "users",
                "add",
                "--email",
                "Ana@Shop.com",
                "--name",
                "Ana",
                "--role",
                "agent",
                "--password",
                "s3cret-pass",
            ]
        )
        == 0
    )
    monkeypatch.setenv("QUITA_USER_PASSWORD", "another-pass")
    assert (
        main(["users", "add", "--email", "bia@shop.com", "--name", "Bia", "--role", "manager"])
        == 0
    )
    users = _users(database)
    assert [(u.email, u.role) for u in users] == [
        ("ana@shop.com", "agent"),
        ("bia@shop.com", "manager"),
    ]
    assert verify_password(users[0].password_hash, "s3cret-pass")
    assert users[0].password_hash.startswith("$argon2id$")
    assert verify_password(users[1].password_hash, "another-pass")
    assert (
        main(
            [
                "users",
                "add",
                "--email",
                "ana@shop.com",
                "--name",
                "Ana B",
                "--role",
                "manager",
                "--password",
                "new-password",
            ]
        )
        == 0
    )
    users = _users(database)
    assert len(users) == 2
    assert users[0].role == "manager"
    assert verify_password(users[0].password_hash, "new-password")
    capsys.readouterr()
    assert main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "ana@shop.com" in out
    assert "bia@shop.com" in out
    assert "pass" not in out
    assert "$argon2" not in out


def test_refuses_bad_input(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUITA_USER_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["users", "add", "--email", "x@y.z", "--name", "X", "--role", "agent"]) == 2
    assert (
        main(
            [
                "users",
                "add",
                "--email",
                "x@y.z",
                "--name",
                "X",
                "--role",
                "agent",
                "--password",
                "short",
            ]
        )
        == 2
    )
    assert (
        main(
            [
                "users",
                "add",
                "--email",
                "nope",
                "--name",
                "X",
                "--role",
                "agent",
                "--password",
                "long-enough",
            ]
        )
        == 2
    )
    with pytest.raises(SystemExit):
        main(
            [
                "users",
                "add",
                "--email",
                "x@y.z",
                "--name",
                "X",
                "--role",
                "boss",
                "--password",
                "long-enough",
            ]
        )
    assert _users(database) == []
