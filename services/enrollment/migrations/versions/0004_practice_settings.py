"""practice settings: go-live, opening hours, invitation lifetime, throttle, age of majority

Existing practices keep auto invitations off and get the default hours (weekdays 08:00-17:00).

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
    with op.batch_alter_table("practices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "auto_invites_enabled", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(sa.Column("auto_invite_hours", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("invitation_lifetime_days", sa.Integer(), server_default="30", nullable=False)
        )
        batch_op.add_column(
            sa.Column("throttle_max_sends", sa.Integer(), server_default="4", nullable=False)
        )
        batch_op.add_column(
            sa.Column("throttle_window_days", sa.Integer(), server_default="30", nullable=False)
        )
        batch_op.add_column(
            sa.Column("age_of_majority", sa.Integer(), server_default="18", nullable=False)
        )
        batch_op.add_column(
            sa.Column("settings_updated_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("settings_updated_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("practices", schema=None) as batch_op:
        batch_op.drop_column("settings_updated_by")
        batch_op.drop_column("settings_updated_at")
        batch_op.drop_column("age_of_majority")
        batch_op.drop_column("throttle_window_days")
        batch_op.drop_column("throttle_max_sends")
        batch_op.drop_column("invitation_lifetime_days")
        batch_op.drop_column("auto_invite_hours")
        batch_op.drop_column("auto_invites_enabled")
