"""self-registrations and match requests (E12)

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "self_registrations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("practice_id", sa.String(length=32), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("zip_code", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("patient_id", sa.String(length=32), nullable=True),
        sa.Column("ticket_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=True),
        sa.Column("code_channel", sa.String(length=10), nullable=True),
        sa.Column("code_destination_hint", sa.String(length=100), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_self_registrations_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_self_registrations_practice_id_practices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_registrations")),
        sa.UniqueConstraint("ticket_hash", name=op.f("uq_self_registrations_ticket_hash")),
    )
    with op.batch_alter_table("self_registrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_self_registrations_practice_id"), ["practice_id"], unique=False
        )

    op.create_table(
        "match_requests",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("practice_id", sa.String(length=32), nullable=False),
        sa.Column("registration_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=80), nullable=True),
        sa.Column("patient_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_match_requests_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_match_requests_practice_id_practices")
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["self_registrations.id"],
            name=op.f("fk_match_requests_registration_id_self_registrations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_requests")),
        sa.UniqueConstraint("registration_id", name=op.f("uq_match_requests_registration_id")),
    )
    with op.batch_alter_table("match_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_match_requests_practice_id"), ["practice_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("match_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_requests_practice_id"))

    op.drop_table("match_requests")
    with op.batch_alter_table("self_registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_self_registrations_practice_id"))

    op.drop_table("self_registrations")
