"""password reset with account information (I8 d), and the practice's switches for the
knowledge-based resets (I8 b, d)

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "information_resets",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("state_key", sa.String(length=100), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("right_index", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_information_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_information_resets_token_hash")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("information_reset_at", sa.DateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("patient_sign_in_policies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "question_reset_allowed", sa.Boolean(), server_default=sa.true(), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "account_information_reset_allowed",
                sa.Boolean(),
                server_default=sa.true(),
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("patient_sign_in_policies", schema=None) as batch_op:
        batch_op.drop_column("account_information_reset_allowed")
        batch_op.drop_column("question_reset_allowed")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("information_reset_at")

    op.drop_table("information_resets")
