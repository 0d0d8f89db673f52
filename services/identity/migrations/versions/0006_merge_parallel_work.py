"""merge the account settings, password policy and account TOTP revisions, made in parallel

Revision ID: 0006
Revises: 0005_account_settings, 0005_password_policy, 0005_account_totp
"""

from collections.abc import Sequence

revision: str = "0006"
down_revision: str | Sequence[str] | None = (
    "0005_account_settings",
    "0005_password_policy",
    "0005_account_totp",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
