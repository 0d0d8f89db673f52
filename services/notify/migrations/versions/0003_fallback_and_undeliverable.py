"""fallback channel and undeliverable addresses (N1): hard bounces and refused numbers

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "undeliverable_addresses",
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_reason", sa.String(length=200), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address_hash", name=op.f("pk_undeliverable_addresses")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fallback_channel", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("fallback_recipient", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("fallback_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("fallback_of", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("fallback_of")
        batch_op.drop_column("fallback_id")
        batch_op.drop_column("fallback_recipient")
        batch_op.drop_column("fallback_channel")

    op.drop_table("undeliverable_addresses")
