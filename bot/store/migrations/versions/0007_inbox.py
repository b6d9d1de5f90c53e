"""inbox: inbound deliveries stored before the webhook is answered

Revision ID: 0007_inbox
Revises: 0006_birth_date
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision: str = "0007_inbox"
down_revision: str | None = "0006_birth_date"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("received_at", bot.store.types.AwareDateTime(), nullable=False),
        sa.Column("processed_at", bot.store.types.AwareDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("channel", "provider_id", name=op.f("uq_inbox_channel")),
    )
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbox_chat_pending", ["channel", "address", "status", "id"], unique=False
        )
        batch_op.create_index("ix_inbox_status", ["status", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_status")
        batch_op.drop_index("ix_inbox_chat_pending")
    op.drop_table("inbox")
