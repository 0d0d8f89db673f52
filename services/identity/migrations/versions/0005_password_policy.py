"""password policy per practice

Revision ID: 0005_password_policy
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_password_policy"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "password_policies",
        sa.Column("practice_id", sa.String(length=64), nullable=False),
        sa.Column("min_length", sa.Integer(), nullable=False),
        sa.Column("require_mixed_case", sa.Boolean(), nullable=False),
        sa.Column("require_digit", sa.Boolean(), nullable=False),
        sa.Column("require_symbol", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("practice_id", name=op.f("pk_password_policies")),
    )


def downgrade() -> None:
    op.drop_table("password_policies")
