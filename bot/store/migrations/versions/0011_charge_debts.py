"""pix_charges.debt_refs: a charge for some of the debtor's debts ("só o liquidificador")

Revision ID: 0011_charge_debts
Revises: 0010_session_seen
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_charge_debts"
down_revision: str | None = "0010_session_seen"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pix_charges") as batch:
        batch.add_column(sa.Column("debt_refs", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pix_charges") as batch:
        batch.drop_column("debt_refs")
