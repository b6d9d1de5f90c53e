"""receipts.media_url as text: a PDF receipt kept inline (a data: URL) is longer than 500

Revision ID: 0009_receipt_media_text
Revises: 0008_dead_letters
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_receipt_media_text"
down_revision: str | None = "0008_dead_letters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("receipts") as batch:
        batch.alter_column(
            "media_url", existing_type=sa.String(length=500), type_=sa.Text(), nullable=True
        )


def downgrade() -> None:
    with op.batch_alter_table("receipts") as batch:
        batch.alter_column(
            "media_url", existing_type=sa.Text(), type_=sa.String(length=500), nullable=True
        )
