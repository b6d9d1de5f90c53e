"""Alembic environment: runs on the connection handed in by ``bot.store.db.upgrade``."""

from __future__ import annotations

from alembic import context

from bot.store.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through bot.store.db.upgrade
    raise RuntimeError("run migrations with `quita db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
