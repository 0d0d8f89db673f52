"""proxy ticket account: the pending account an invitee creates, and where its code went

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("proxy_tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_id", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("code_destination_hint", sa.String(length=320), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("proxy_tickets", schema=None) as batch_op:
        batch_op.drop_column("code_destination_hint")
        batch_op.drop_column("account_id")
