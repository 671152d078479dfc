"""Connecting to the database and keeping its schema current.

Why one place: SQLite (the default, a file in the data folder, WAL so readers never wait)
and PostgreSQL (`DATABASE_URL`) run the same code; migrations run at start-up; and every
database failure becomes one `StoreUnavailable` with a fix, never a driver traceback.

Why writes go through `Database.run`: a rep's line must be stored even when many reps talk at
once or the database restarts. On SQLite a write takes the write lock up front (`BEGIN
IMMEDIATE`, after this process's other writers, in turn), so it waits its turn instead of
failing half-way; on either engine a locked, restarting or briefly unreachable database is
tried again with a short backoff until `wait_s` is spent, and only then reaches the user.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from coach.errors import StoreUnavailable
from coach.log import get_logger, redact

log = get_logger("store")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
WAIT_S = 5.0  # how long a unit of work keeps trying on a locked or restarting database
SQLITE_BUSY_MS = int(WAIT_S * 1000)
POOL_SIZE, POOL_OVERFLOW = 10, 30  # the app serves each user in a thread; each may hold one connection
BACKOFF_S = (0.05, 0.1, 0.2, 0.4, 0.8)
T = TypeVar("T")

_writer_locks: dict[str, threading.RLock] = {}
_writer_locks_guard = threading.Lock()


def _sqlite_path(url: str) -> str | None:
    """The file behind a SQLite URL (None for other engines and in-memory databases)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1].split("?", 1)[0]
    return path if path and path != ":memory:" else None


def _writer_lock(url: str) -> threading.RLock | None:
    """One lock per SQLite file in this process, so its writers queue in order instead of polling."""
    path = _sqlite_path(url)
    if path is None:
        return None
    key = str(Path(path).resolve())
    with _writer_locks_guard:
        return _writer_locks.setdefault(key, threading.RLock())


def make_engine(url: str, *, busy_ms: int = SQLITE_BUSY_MS) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout, PostgreSQL a pinged pool."""
    pool = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW, "pool_timeout": busy_ms / 1000}
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": busy_ms / 1000}, **(pool if path else {}))

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit survives the app or server stopping at any moment; only a power cut or an
            # OS crash may lose the last commits (never corrupting the file). FULL costs an fsync per turn.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.close()
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **pool)


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
    detail = redact(str(getattr(exc, "orig", None) or exc).splitlines()[0])[:200]
    sqlite = url.startswith("sqlite")
    where = "the SQLite file in the data folder" if sqlite else "the database at DATABASE_URL"
    if isinstance(exc, PoolTimeout):
        return StoreUnavailable("The database is busy: every connection of this app is in use",
                                "wait a moment and try again")
    if "locked" in detail.lower() or "busy" in detail.lower():
        return StoreUnavailable(f"The database is busy ({detail})",
                                f"wait a moment and try again; if it keeps happening, close any other program "
                                f"that has {where} open")
    fix = ("free some disk space, or check that the data folder is writable" if "disk" in detail.lower() else
           f"check that {where} is {'running and ' if not sqlite else ''}reachable, then try again")
    return StoreUnavailable(f"The database is unavailable ({detail})", fix)


def transient(exc: BaseException) -> bool:
    """A failure worth trying again: locked, restarting, unreachable, or a dropped connection."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError | PoolTimeout)


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
    """An engine plus a session factory; `transaction()` commits or rolls back as one unit.

    `wait_s` bounds how long `run` keeps trying on a locked or restarting database.
    """

    def __init__(self, url: str, *, run_migrations: bool = True, wait_s: float = WAIT_S) -> None:
        self.url = url
        self.wait_s = wait_s
        self.engine = make_engine(url, busy_ms=int(wait_s * 1000))
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = _writer_lock(url)
        if run_migrations:
            retrying(lambda: migrate(self.engine), url)

    @contextlib.contextmanager
    def _unit(self, *, write: bool, deadline: float) -> Iterator[Session]:
        """One unit of work; driver errors pass through unchanged (the caller decides to retry)."""
        locked = False
        session = self.sessions()
        try:
            if write and self._writer is not None:
                locked = self._writer.acquire(timeout=max(deadline - time.monotonic(), 0.001))
                if not locked:
                    raise OperationalError("BEGIN IMMEDIATE", None, Exception("database is locked"))
                # take the write lock now (waiting up to the busy timeout for other programs), not half-way through
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            if locked:
                assert self._writer is not None
                self._writer.release()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A unit of work; database failures become `StoreUnavailable` (not tried again: see `run`)."""
        try:
            with self._unit(write=False, deadline=time.monotonic() + self.wait_s) as session:
                yield session
        except (OperationalError, DBAPIError, PoolTimeout) as exc:
            raise unavailable(exc, self.url) from None

    def run(self, work: Callable[[Session], T], *, write: bool = False) -> T:
        """`work(session)` as one unit of work, run again while the database is locked or restarting.

        Why: a turn must not be lost to a moment of contention or a database restart. `work` must be
        safe to repeat (it is rolled back before each new try). After `wait_s` the user gets one
        `StoreUnavailable` naming the fix.
        """
        deadline = time.monotonic() + self.wait_s
        for attempt in itertools.count(1):
            try:
                with self._unit(write=write, deadline=deadline) as session:
                    return work(session)
            except (OperationalError, DBAPIError, PoolTimeout) as exc:
                left = deadline - time.monotonic()
                if not transient(exc) or left <= 0:
                    log.warning("database failure after %d attempt(s): %s", attempt, type(exc).__name__)
                    raise unavailable(exc, self.url) from None
                pause = min(BACKOFF_S[min(attempt, len(BACKOFF_S)) - 1], left)
                log.warning("database busy or unavailable (%s); retry %d in %.2fs", type(exc).__name__, attempt,
                            pause)
                time.sleep(pause)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.engine.dispose()
