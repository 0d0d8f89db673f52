"""password reset with security questions (I8 b): the questions asked and the wrong answers

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "question_reset_attempts",
        sa.Column("state_key", sa.String(length=100), nullable=False),
        sa.Column("failed", sa.JSON(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("state_key", name=op.f("pk_question_reset_attempts")),
    )
    op.create_table(
        "question_resets",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("state_key", sa.String(length=100), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("question_ids", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_question_resets_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("question_resets")
    op.drop_table("question_reset_attempts")
