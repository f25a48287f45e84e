"""A fault keeps the vendorId its code was sent with (the scheme the code belongs to).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 07:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("faults") as batch:
        batch.add_column(sa.Column("vendor_id", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("faults") as batch:
        batch.drop_column("vendor_id")
