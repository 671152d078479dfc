"""A throwaway PostgreSQL server for tests: the distribution's binaries, a temp folder, loopback only.

Why not a mock: the store must behave the same on SQLite and PostgreSQL, so both are real.
As root (containers, CI), the server runs as the `postgres` system user, as initdb requires.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_out_of_fast_lane
from tests.net import free_port

FIX = "install the PostgreSQL server (`make postgres`, or apt-get install postgresql)"


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


class TempPostgres:
    """initdb + pg_ctl start into a temp dir; `url` is a SQLAlchemy URL; `stop()` removes everything."""

    def __init__(self) -> None:
        require_out_of_fast_lane("starts a PostgreSQL server")
        bin_dir = binaries()
        if bin_dir is None:
            raise RuntimeError(f"PostgreSQL server binaries not found; {FIX}")
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="coach-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "coach", "--no-sync", "-E", "UTF8")
        self.up()
        self.url = f"postgresql+psycopg://coach@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / tool), *args], check=True, capture_output=True, timeout=120)

    def restart(self) -> None:
        """Stop and start the server (for fault tests)."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "restart", "-m", "fast")

    def down(self) -> None:
        """Stop the server, keeping its data (for fault tests); `up()` starts it again."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "stop", "-m", "fast")

    def up(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "start", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-w", "stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def fresh_database(self, name: str) -> str:
        """A new empty database on this server; returns its URL."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=coach dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://coach@127.0.0.1:{self.port}/{name}"


def serve() -> Iterator[TempPostgres]:
    """The body of a server fixture: `yield from serve()`; skips, naming the fix, without the binaries."""
    if binaries() is None:
        pytest.skip(f"PostgreSQL server binaries not found; {FIX}")
    server = TempPostgres()
    yield server
    server.stop()
