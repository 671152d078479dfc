"""Criterion results as rows, for team trends; filled from the scorecards already stored.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "criterion_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("criterion_id", sa.String(length=64), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["practice_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_criterion_results_session_id", "criterion_results", ["session_id"])
    op.create_index("ix_criterion_results_criterion_id", "criterion_results", ["criterion_id"])
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT session_id, criteria FROM scorecards")).fetchall()
    table = sa.table("criterion_results", sa.column("session_id"), sa.column("criterion_id"), sa.column("result"))
    for session_id, criteria in rows:
        items = json.loads(criteria) if isinstance(criteria, str) else criteria
        if items:
            op.bulk_insert(table, [{"session_id": session_id, "criterion_id": c["id"], "result": c["result"]}
                                   for c in items])


def downgrade() -> None:
    op.drop_index("ix_criterion_results_criterion_id", table_name="criterion_results")
    op.drop_index("ix_criterion_results_session_id", table_name="criterion_results")
    op.drop_table("criterion_results")
