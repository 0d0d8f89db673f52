"""automatic invitations queue (E6): triggers, their window, and what became of them

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auto_invitations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("practice_id", sa.String(length=32), nullable=False),
        sa.Column("patient_id", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=140), nullable=False),
        sa.Column("trigger", sa.String(length=30), nullable=False),
        sa.Column("triggered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("send_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("next_allowed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invitation_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_auto_invitations_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_auto_invitations_practice_id_practices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auto_invitations")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_auto_invitations_idempotency_key")),
    )
    with op.batch_alter_table("auto_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_auto_invitations_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_auto_invitations_practice_id"), ["practice_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_auto_invitations_send_after"), ["send_after"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_auto_invitations_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("auto_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auto_invitations_state"))
        batch_op.drop_index(batch_op.f("ix_auto_invitations_send_after"))
        batch_op.drop_index(batch_op.f("ix_auto_invitations_practice_id"))
        batch_op.drop_index(batch_op.f("ix_auto_invitations_patient_id"))

    op.drop_table("auto_invitations")
