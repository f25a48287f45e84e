"""One incident reported twice: a fault that waits for a sibling's action follows its outcome.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("faults") as batch:
        batch.add_column(sa.Column("incident_fault_id", sa.Integer(), nullable=True))
        batch.create_index("ix_faults_incident_fault_id", ["incident_fault_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("faults") as batch:
        batch.drop_index("ix_faults_incident_fault_id")
        batch.drop_column("incident_fault_id")
