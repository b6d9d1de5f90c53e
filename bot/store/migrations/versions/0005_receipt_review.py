"""receipts under review: what a receipt says, what it matched, who checked it

Revision ID: 0005_receipt_review
Revises: 0004_sessions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision: str = "0005_receipt_review"
down_revision: str | None = "0004_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("debts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("under_review", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status", sa.String(length=16), nullable=False, server_default="under_review"
            )
        )
        batch_op.add_column(sa.Column("stated_amount", bot.store.types.Money(), nullable=True))
        batch_op.add_column(sa.Column("stated_at", bot.store.types.AwareDateTime(), nullable=True))
        batch_op.add_column(sa.Column("stated_end_to_end_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("end_to_end_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("lookups", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("reviewed_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("reviewed_at", bot.store.types.AwareDateTime(), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_receipts_reviewed_by_users"), "users", ["reviewed_by"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_receipts_status"), ["status"], unique=False)
    # receipts kept before this migration were waiting for a person already
    op.execute("UPDATE receipts SET status = 'confirmed' WHERE checked")


def downgrade() -> None:
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipts_status"))
        batch_op.drop_constraint(batch_op.f("fk_receipts_reviewed_by_users"), type_="foreignkey")
        for column in (
            "reviewed_at",
            "reviewed_by",
            "lookups",
            "end_to_end_id",
            "stated_end_to_end_id",
            "stated_at",
            "stated_amount",
            "status",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("debts", schema=None) as batch_op:
        batch_op.drop_column("under_review")
