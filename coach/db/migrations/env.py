"""Alembic environment: the store passes its own connection; nothing is read from alembic.ini."""

from __future__ import annotations

from alembic import context

from coach.db.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                  compare_type=True)
with context.begin_transaction():
    context.run_migrations()
