"""account settings: security answers, contact details, pending contact changes

Revision ID: 0005_account_settings
Revises: 0004
Create Date: 2026-11-23 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_account_settings"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_contacts",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("notification_email", sa.String(length=320), nullable=True),
        sa.Column("verified_cell_phone", sa.String(length=20), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_contacts_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_contacts")),
    )
    op.create_table(
        "security_answers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("question_id", sa.String(length=40), nullable=False),
        sa.Column("answer_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_security_answers_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_answers")),
        sa.UniqueConstraint(
            "account_id",
            "question_id",
            name=op.f("uq_security_answers_account_id_question_id"),
        ),
    )
    op.create_index(
        op.f("ix_security_answers_account_id"), "security_answers", ["account_id"], unique=False
    )
    op.create_table(
        "contact_changes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("new_value", sa.String(length=320), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_contact_changes_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_changes")),
    )
    op.create_index(
        op.f("ix_contact_changes_account_id"), "contact_changes", ["account_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_contact_changes_account_id"), table_name="contact_changes")
    op.drop_table("contact_changes")
    op.drop_index(op.f("ix_security_answers_account_id"), table_name="security_answers")
    op.drop_table("security_answers")
    op.drop_table("account_contacts")
