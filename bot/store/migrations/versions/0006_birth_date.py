"""debtors.birth_date: the portal's identity check when there is no CPF

Revision ID: 0006_birth_date
Revises: 0005_console
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_birth_date"
down_revision: str | None = "0005_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("debtors") as batch:
        batch.add_column(sa.Column("birth_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("debtors") as batch:
        batch.drop_column("birth_date")
