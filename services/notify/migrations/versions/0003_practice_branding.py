"""practice branding (notify owns how a practice appears in its messages)

Revision ID: 0003_practice_branding
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_practice_branding"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "practice_branding",
        sa.Column("practice_id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("logo_url", sa.String(length=500), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("practice_id", name=op.f("pk_practice_branding")),
    )


def downgrade() -> None:
    op.drop_table("practice_branding")
