"""web_sessions.last_seen_at: which agents are online (automatic assignment)

Revision ID: 0010_session_seen
Revises: 0009_receipt_media_text
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.store.types import AwareDateTime

revision: str = "0010_session_seen"
down_revision: str | None = "0009_receipt_media_text"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("last_seen_at", AwareDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("last_seen_at")
