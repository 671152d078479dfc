"""A stored turn keeps everything the call engine's turn holds: why a model line was not used
(`voice_check`) and which hidden fact the buyer revealed (`revealed`). Older rows read as empty.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("turns") as batch:
        batch.add_column(sa.Column("voice_check", sa.Text(), nullable=True))
        batch.add_column(sa.Column("revealed", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("turns") as batch:
        batch.drop_column("revealed")
        batch.drop_column("voice_check")
