"""Cross-replica command relay: gateway nodes and the commands relayed to them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "gateway_nodes",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("started_at", _WHEN, nullable=False),
        sa.Column("heartbeat_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "relayed_commands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("command_id", sa.String(length=64), nullable=True),
        sa.Column("charger_id", sa.String(length=64), nullable=False),
        sa.Column("node", sa.String(length=100), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome_status", sa.String(length=32), nullable=True),
        sa.Column("outcome_detail", sa.String(), nullable=True),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("deadline_at", _WHEN, nullable=False),
        sa.Column("picked_at", _WHEN, nullable=True),
        sa.Column("done_at", _WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_relayed_commands_node_status", "relayed_commands", ["node", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_relayed_commands_node_status", table_name="relayed_commands")
    op.drop_table("relayed_commands")
    op.drop_table("gateway_nodes")
