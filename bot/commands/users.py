"""``quita users add|list``: staff accounts for the console and the dashboard."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

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
                    role=args.role,
                    password_hash=password_hash,
                    language=args.language,
                    active=True,
                    created_at=SystemClock().now(),
                )
            )
            verb = "added"
        else:
            row.name, row.role, row.language = args.name, args.role, args.language
            row.password_hash = password_hash
            row.active = True
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
