"""``quita users add|list``: staff accounts for the console and the dashboard."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from bot.core.enums import Role
from bot.web.security import ROLES


def register(sub: Any) -> None:
    users = sub.add_parser("users", help="staff accounts (agents, managers, admins)")
    users_sub = users.add_subparsers(dest="users_command", metavar="COMMAND")
    add = users_sub.add_parser("add", help="create a user, or reset an existing user's password")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--language", default="pt", choices=("pt", "en"))
    add.add_argument(
        "--password",
        help="the password (default: $QUITA_USER_PASSWORD, else asked for on the terminal)",
    )
    add.set_defaults(handler=add_user)
    listing = users_sub.add_parser("list", help="list users")
    listing.set_defaults(handler=list_users)
    logout = users_sub.add_parser("logout", help="end every session of a user, on every device")
    logout.add_argument("--email", required=True)
    logout.set_defaults(handler=logout_user)


def _password(args: argparse.Namespace) -> str | None:
    if args.password:
        return str(args.password)
    from_env = os.environ.get("QUITA_USER_PASSWORD")
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        print("the passwords differ", file=sys.stderr)
        return None
    return first


def _sessionmaker() -> Any:
    from bot.config import load_settings
    from bot.store.db import make_engine, make_sessionmaker

    settings = load_settings()
    return make_sessionmaker(make_engine(settings.database_url))


def add_user(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from bot.core.clock import SystemClock
    from bot.store.db import transaction
    from bot.store.tables import User
    from bot.web.security import hash_password
    from bot.web.sessions import revoke_user_sessions

    password = _password(args)
    if not password:
        print("no password: use --password, $QUITA_USER_PASSWORD or a terminal", file=sys.stderr)
        return 2
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    email = args.email.strip().lower()
    if "@" not in email:
        print(f"{args.email!r} is not an email address", file=sys.stderr)
        return 2
    factory = _sessionmaker()
    with transaction(factory) as session:
        row = session.scalar(select(User).where(func.lower(User.email) == email))
        if row is None:
            session.add(
                User(
                    email=email,
                    name=args.name,
                    role=Role(args.role),
                    password_hash=password_hash,
                    language=args.language,
                    active=True,
                    created_at=SystemClock().now(),
                )
            )
            verb = "added"
        else:
            row.name, row.role, row.language = args.name, Role(args.role), args.language
            row.password_hash = password_hash
            row.active = True
            # a new password ends every session opened with the old one
            revoke_user_sessions(session, row.id, now=SystemClock().now())
            verb = "updated"
    factory.kw["bind"].dispose()
    print(f"{verb} {args.role} {email}")
    return 0


def list_users(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from bot.store.tables import User

    factory = _sessionmaker()
    with factory() as session:
        rows = list(session.scalars(select(User).order_by(User.role, User.email)))
        for row in rows:
            state = "" if row.active else " (inactive)"
            print(f"{row.id:>4}  {row.role:8} {row.email:32} {row.name}{state}")
        if not rows:
            print("no users yet: quita users add --email ... --name ... --role agent")
    factory.kw["bind"].dispose()
    return 0


def logout_user(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from bot.core.clock import SystemClock
    from bot.store.db import transaction
    from bot.store.tables import User
    from bot.web.sessions import revoke_user_sessions

    email = args.email.strip().lower()
    factory = _sessionmaker()
    with transaction(factory) as session:
        row = session.scalar(select(User).where(func.lower(User.email) == email))
        ended = (
            None if row is None else revoke_user_sessions(session, row.id, now=SystemClock().now())
        )
    factory.kw["bind"].dispose()
    if ended is None:
        print(f"no user {email}", file=sys.stderr)
        return 1
    print(f"ended {ended} session(s) of {email}")
    return 0
