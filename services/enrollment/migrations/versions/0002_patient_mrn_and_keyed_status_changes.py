"""Patient MRN (unique per practice); status changes keep a note and an idempotency key

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:33:39.671140
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mrn", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_patients_practice_id_mrn"), ["practice_id", "mrn"]
        )

    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_status_changes_idempotency_key"), ["idempotency_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_status_changes_idempotency_key"), type_="unique")
        batch_op.drop_column("idempotency_key")
        batch_op.drop_column("note")

    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_patients_practice_id_mrn"), type_="unique")
        batch_op.drop_column("mrn")
