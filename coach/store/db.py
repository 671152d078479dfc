"""Connecting to the database and keeping its schema current.

Why one place: SQLite (the default, a file in the data folder, WAL so readers never wait)
and PostgreSQL (`DATABASE_URL`) run the same code; migrations run at start-up; and every
database failure becomes one `StoreUnavailable` with a fix, never a driver traceback.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from coach.errors import StoreUnavailable
from coach.log import get_logger, redact

log = get_logger("store")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_MS = 5000
T = TypeVar("T")


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
            cursor.close()
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is current)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def unavailable(exc: Exception, url: str) -> StoreUnavailable:
    """The one message a user sees when the database fails."""
    detail = redact(str(getattr(exc, "orig", exc)).splitlines()[0])[:200]
    where = "the SQLite file in the data folder" if url.startswith("sqlite") else "the database at DATABASE_URL"
    fix = ("free some disk space, or check that the data folder is writable" if "disk" in detail.lower() else
           f"check that {where} is reachable, then try again")
    return StoreUnavailable(f"The database is unavailable ({detail})", fix)


def retrying(action: Callable[[], T], url: str, attempts: int = 3, delay_s: float = 0.3) -> T:
    """Run `action`, retrying briefly on a locked or restarting database."""
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except (OperationalError, DBAPIError) as exc:
            if attempt == attempts:
                raise unavailable(exc, url) from None
            log.warning("database busy or unavailable (%s); retry %d/%d", type(exc).__name__, attempt, attempts - 1)
            time.sleep(delay_s * attempt)
    raise AssertionError("unreachable")


class Database:
    """An engine plus a session factory; `transaction()` commits or rolls back as one unit."""

    def __init__(self, url: str, *, run_migrations: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        if run_migrations:
            retrying(lambda: migrate(self.engine), url)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A unit of work; database failures become `StoreUnavailable`."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except (OperationalError, DBAPIError) as exc:
            session.rollback()
            raise unavailable(exc, self.url) from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()
