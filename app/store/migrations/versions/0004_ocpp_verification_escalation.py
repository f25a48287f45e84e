"""OCPP gateway, verification and escalation delivery: charger credentials and connection,
charging sessions, attempt command status and verification window, escalation severity,
acknowledgement, resolution and webhook delivery.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("chargers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("connected_node", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("connected_at", _WHEN, nullable=True))
        batch_op.add_column(sa.Column("disconnected_at", _WHEN, nullable=True))
    op.create_table(
        "charging_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("charger_id", sa.String(length=64), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=True),
        sa.Column("evse_id", sa.Integer(), nullable=True),
        sa.Column("id_token", sa.String(length=64), nullable=True),
        sa.Column("started_at", _WHEN, nullable=False),
        sa.Column("stopped_at", _WHEN, nullable=True),
        sa.Column("stop_reason", sa.String(length=50), nullable=True),
        sa.Column("meter_start_wh", sa.Float(), nullable=True),
        sa.Column("meter_last_wh", sa.Float(), nullable=True),
        sa.Column("meter_values", sa.Integer(), nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("charger_id", "transaction_id", name="uq_charging_sessions_charger_tx"),
    )
    op.create_index("ix_charging_sessions_charger_open", "charging_sessions", ["charger_id", "stopped_at"])
    with op.batch_alter_table("action_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("command_status", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("verify_until", _WHEN, nullable=True))
        batch_op.add_column(sa.Column("status_requested_at", _WHEN, nullable=True))
        batch_op.add_column(sa.Column("verified_at", _WHEN, nullable=True))
        batch_op.create_index(batch_op.f("ix_action_attempts_outcome"), ["outcome"], unique=False)
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.alter_column("priority", new_column_name="severity", existing_type=sa.String(length=16))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("acknowledged_at", _WHEN, nullable=True))
        batch_op.add_column(sa.Column("acknowledged_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("resolved_at", _WHEN, nullable=True))
        batch_op.add_column(sa.Column("resolved_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("resolution_note", sa.String(), nullable=True))
        batch_op.add_column(
            sa.Column("delivery_state", sa.String(length=16), nullable=False, server_default="pending")
        )
        batch_op.add_column(sa.Column("delivery_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_delivery_at", _WHEN, nullable=True))
        batch_op.add_column(sa.Column("delivered_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("delivered_at", _WHEN, nullable=True))
        batch_op.add_column(sa.Column("last_delivery_error", sa.String(), nullable=True))
        batch_op.create_index(batch_op.f("ix_escalations_delivery_state"), ["delivery_state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalations_delivery_state"))
        for column in (
            "last_delivery_error",
            "delivered_at",
            "delivered_version",
            "next_delivery_at",
            "delivery_attempts",
            "delivery_state",
            "resolution_note",
            "resolved_by",
            "resolved_at",
            "acknowledged_by",
            "acknowledged_at",
            "version",
        ):
            batch_op.drop_column(column)
        batch_op.alter_column("severity", new_column_name="priority", existing_type=sa.String(length=16))
    with op.batch_alter_table("action_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_attempts_outcome"))
        for column in ("verified_at", "status_requested_at", "verify_until", "command_status"):
            batch_op.drop_column(column)
    op.drop_index("ix_charging_sessions_charger_open", table_name="charging_sessions")
    op.drop_table("charging_sessions")
    with op.batch_alter_table("chargers", schema=None) as batch_op:
        for column in ("disconnected_at", "connected_at", "connected_node", "password_hash"):
            batch_op.drop_column(column)
