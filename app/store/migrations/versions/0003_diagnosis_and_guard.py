"""Diagnosis and guard: fault class, decision reasoner/confidence/approval, automatic actions
with their site, escalation scope.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 02:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("faults", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fault_class", sa.String(length=32), nullable=True))
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reasoner", sa.String(length=32), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("confidence", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("approval_state", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("approval_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("approved_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("approval_comment", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("approval_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_decisions_approval_state"), ["approval_state"], unique=False)
    with op.batch_alter_table("action_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site_id", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("automatic", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.create_index(batch_op.f("ix_action_attempts_site_id"), ["site_id"], unique=False)
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("charger_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("site_id", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("scope", sa.String(length=16), nullable=False, server_default="fault"))
        batch_op.create_index(batch_op.f("ix_escalations_charger_id"), ["charger_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_escalations_site_id"), ["site_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalations_site_id"))
        batch_op.drop_index(batch_op.f("ix_escalations_charger_id"))
        batch_op.drop_column("scope")
        batch_op.drop_column("site_id")
        batch_op.drop_column("charger_id")
    with op.batch_alter_table("action_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_attempts_site_id"))
        batch_op.drop_column("automatic")
        batch_op.drop_column("site_id")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_approval_state"))
        for column in ("approval_at", "approval_comment", "approved_by", "approval_expires_at"):
            batch_op.drop_column(column)
        for column in ("approval_state", "confidence", "reasoner"):
            batch_op.drop_column(column)
    with op.batch_alter_table("faults", schema=None) as batch_op:
        batch_op.drop_column("fault_class")
