"""practice setting: days after a patient defers that the reminder goes out (E11), 14 by default

Revision ID: 0010_deferral_reminder_days
Revises: 0009_outbox_idempotency_key
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_deferral_reminder_days"
down_revision: str | None = "0009_outbox_idempotency_key"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("practices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deferral_reminder_days", sa.Integer(), server_default="14", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("practices", schema=None) as batch_op:
        batch_op.drop_column("deferral_reminder_days")
