"""merge the password reset revisions with forgot username, made in parallel

Revision ID: 0012
Revises: 0011, 0009_forgot_username
"""

from collections.abc import Sequence

revision: str = "0012"
down_revision: str | Sequence[str] | None = ("0011", "0009_forgot_username")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
