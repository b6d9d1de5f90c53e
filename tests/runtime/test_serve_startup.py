"""``quita serve`` skips Alembic when the SQLite database is already at head."""

from __future__ import annotations

from pathlib import Path

from bot.commands.serve import at_head, migration_heads
from bot.store.db import MIGRATIONS_DIR, make_engine, upgrade


def test_heads_are_read_from_the_migration_files(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("revision: str = 'a'\ndown_revision = None\n")
    (tmp_path / "b.py").write_text('revision = "b"\ndown_revision: str | None = "a"\n')
    (tmp_path / "c.py").write_text('revision = "c"\ndown_revision = "a"\n')
    (tmp_path / "m.py").write_text('revision = "m"\ndown_revision = ("b", "c")\n')
    assert migration_heads(tmp_path) == {"m"}
    assert migration_heads(MIGRATIONS_DIR / "versions")  # the shipped chain has a head


def test_at_head_only_after_every_migration(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'quita.db'}")
    try:
        assert not at_head(engine)  # a new database: Alembic runs
        upgrade(engine)
        assert at_head(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
        assert not at_head(engine)  # behind: Alembic runs
    finally:
        engine.dispose()


def test_links_point_at_the_port_served_unless_an_address_was_configured() -> None:
    from bot.commands.serve import local_public_url

    assert local_public_url("http://localhost:8000", 8010) == "http://localhost:8010"
    assert local_public_url("http://127.0.0.1:8000/", 9000) == "http://localhost:9000"
    assert local_public_url("http://localhost:8000", 8000) == "http://localhost:8000"
    assert local_public_url("https://cobranca.loja.com.br", 8010) == "https://cobranca.loja.com.br"
