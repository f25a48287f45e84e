"""Work queue: index only unfinished items (partial indexes), for claims that stay fast.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 01:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_UNFINISHED = sa.text("finished_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_index("ix_work_items_pending")
        batch_op.create_index(
            "ix_work_items_unfinished", ["id"], sqlite_where=_UNFINISHED, postgresql_where=_UNFINISHED
        )
        batch_op.create_index(
            "ix_work_items_unfinished_charger",
            ["charger_id", "id"],
            sqlite_where=_UNFINISHED,
            postgresql_where=_UNFINISHED,
        )


def downgrade() -> None:
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_index("ix_work_items_unfinished_charger")
        batch_op.drop_index("ix_work_items_unfinished")
        batch_op.create_index("ix_work_items_pending", ["state", "charger_id", "id"], unique=False)
