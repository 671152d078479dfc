"""Every store test runs against a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import itertools

import pytest

from coach.db import Database
from tests.pg import serve

_names = itertools.count()


@pytest.fixture(scope="session")
def postgres_server():
    yield from serve()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'coach.db'}")
    else:
        server = request.getfixturevalue("postgres_server")
        database = Database(server.fresh_database(f"t{next(_names)}"))
    yield database
    database.close()
