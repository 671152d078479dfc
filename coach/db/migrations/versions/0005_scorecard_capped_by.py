"""A stored scorecard keeps what capped its score (`capped_by`), so the review pages can say why a
call scored lower than its criteria earned. Older rows read as not capped.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scorecards") as batch:
        batch.add_column(sa.Column("capped_by", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scorecards") as batch:
        batch.drop_column("capped_by")
