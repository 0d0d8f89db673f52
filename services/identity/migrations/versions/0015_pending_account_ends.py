"""pending accounts end: until when each may be activated, after which it holds no username (E9)

Revision ID: 0015_pending_account_ends
Revises: 0014_outbox_idempotency_key
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0015_pending_account_ends"
down_revision: str | None = "0014_outbox_idempotency_key"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Pending accounts registered before this revision get the default lifetime from when they
# were registered (services/identity/pending_accounts.py, DEFAULT_LIFETIME).
DEFAULT_LIFETIME = timedelta(days=30)


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_accounts_pending_until"), ["pending_until"], unique=False
        )
    accounts = sa.table(
        "accounts",
        sa.column("id", sa.String()),
        sa.column("state", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("pending_until", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    pending = connection.execute(
        sa.select(accounts.c.id, accounts.c.created_at).where(accounts.c.state == "pending")
    ).all()
    for account_id, created_at in pending:
        connection.execute(
            accounts.update()
            .where(accounts.c.id == account_id)
            .values(pending_until=created_at + DEFAULT_LIFETIME)
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_pending_until"))
        batch_op.drop_column("pending_until")
