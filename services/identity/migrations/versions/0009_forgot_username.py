"""forgot username: when a reminder last went to an address; notification emails indexed (I7)

Revision ID: 0009_forgot_username
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_forgot_username"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "username_reminders",
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address_key", name=op.f("pk_username_reminders")),
    )
    with op.batch_alter_table("account_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_contacts_notification_email"),
            ["notification_email"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("account_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_contacts_notification_email"))

    op.drop_table("username_reminders")
