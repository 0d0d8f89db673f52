"""proxy access: relationship status, names, history, invitations and tickets, age policies,
age-out notices, the outbox

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "age_policies",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("practice_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("bands", sa.JSON(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_age_policies")),
        sa.UniqueConstraint(
            "practice_id", "version", name=op.f("uq_age_policies_practice_id_version")
        ),
    )
    with op.batch_alter_table("age_policies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_age_policies_practice_id"), ["practice_id"], unique=False
        )

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_delivered_at"), ["delivered_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_next_attempt_at"), ["next_attempt_at"], unique=False
        )

    op.create_table(
        "age_out_notices",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("relationship_id", sa.String(length=32), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["relationship_id"],
            ["relationships.id"],
            name=op.f("fk_age_out_notices_relationship_id_relationships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_age_out_notices")),
        sa.UniqueConstraint(
            "relationship_id",
            "days_before",
            name=op.f("uq_age_out_notices_relationship_id_days_before"),
        ),
    )
    with op.batch_alter_table("age_out_notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_age_out_notices_relationship_id"), ["relationship_id"], unique=False
        )

    op.create_table(
        "proxy_invitations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("relationship_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["relationship_id"],
            ["relationships.id"],
            name=op.f("fk_proxy_invitations_relationship_id_relationships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proxy_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_proxy_invitations_token_hash")),
    )
    with op.batch_alter_table("proxy_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proxy_invitations_relationship_id"), ["relationship_id"], unique=False
        )

    op.create_table(
        "relationship_changes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("relationship_id", sa.String(length=32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("rights", sa.JSON(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["relationship_id"],
            ["relationships.id"],
            name=op.f("fk_relationship_changes_relationship_id_relationships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relationship_changes")),
    )
    with op.batch_alter_table("relationship_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_relationship_changes_relationship_id"), ["relationship_id"], unique=False
        )

    op.create_table(
        "proxy_tickets",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("invitation_id", sa.String(length=32), nullable=False),
        sa.Column("ticket_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["proxy_invitations.id"],
            name=op.f("fk_proxy_tickets_invitation_id_proxy_invitations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proxy_tickets")),
        sa.UniqueConstraint("ticket_hash", name=op.f("uq_proxy_tickets_ticket_hash")),
    )
    with op.batch_alter_table("proxy_tickets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proxy_tickets_invitation_id"), ["invitation_id"], unique=False
        )

    with op.batch_alter_table("relationships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("patient_account_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("dependent_born", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), server_default="active", nullable=False)
        )
        batch_op.add_column(
            sa.Column("relationship_label", sa.String(length=40), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("proxy_first_name", sa.String(length=100), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("proxy_last_name", sa.String(length=100), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("proxy_email", sa.String(length=320), nullable=True))
        batch_op.add_column(
            sa.Column(
                "updated_at",
                sa.DateTime(timezone=True),
                server_default=sa.func.current_timestamp(),
                nullable=False,
            )
        )
        batch_op.alter_column(
            "proxy_account_id", existing_type=sa.VARCHAR(length=64), nullable=True
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_relationships_idempotency_key"), ["idempotency_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("relationships", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_relationships_idempotency_key"), type_="unique")
        batch_op.alter_column(
            "proxy_account_id", existing_type=sa.VARCHAR(length=64), nullable=False
        )
        batch_op.drop_column("updated_at")
        batch_op.drop_column("proxy_email")
        batch_op.drop_column("proxy_last_name")
        batch_op.drop_column("proxy_first_name")
        batch_op.drop_column("relationship_label")
        batch_op.drop_column("status")
        batch_op.drop_column("dependent_born")
        batch_op.drop_column("patient_account_id")
        batch_op.drop_column("idempotency_key")

    with op.batch_alter_table("proxy_tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proxy_tickets_invitation_id"))

    op.drop_table("proxy_tickets")
    with op.batch_alter_table("relationship_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relationship_changes_relationship_id"))

    op.drop_table("relationship_changes")
    with op.batch_alter_table("proxy_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proxy_invitations_relationship_id"))

    op.drop_table("proxy_invitations")
    with op.batch_alter_table("age_out_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_age_out_notices_relationship_id"))

    op.drop_table("age_out_notices")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_delivered_at"))

    op.drop_table("outbox_messages")
    with op.batch_alter_table("age_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_age_policies_practice_id"))

    op.drop_table("age_policies")
