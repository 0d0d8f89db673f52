"""merge the fallback and preferences revisions with practice branding, made in parallel

Revision ID: 0005
Revises: 0004, 0003_practice_branding
"""

from collections.abc import Sequence

revision: str = "0005"
down_revision: str | Sequence[str] | None = ("0004", "0003_practice_branding")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
