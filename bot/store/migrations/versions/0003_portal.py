"""portal access: link version and identity-check attempts per debtor

Revision ID: 0003_portal
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision: str = "0003_portal"
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=False),
        sa.Column("link_version", sa.Integer(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_at", bot.store.types.AwareDateTime(), nullable=True),
        sa.Column("created_at", bot.store.types.AwareDateTime(), nullable=False),
        sa.Column("updated_at", bot.store.types.AwareDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["debtor_id"], ["debtors.id"], name=op.f("fk_portal_access_debtor_id_debtors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_access")),
        sa.UniqueConstraint("debtor_id", name=op.f("uq_portal_access_debtor_id")),
    )


def downgrade() -> None:
    op.drop_table("portal_access")
