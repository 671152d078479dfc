"""The disk holding the data folder fills up during a call. The data folder lives on a real
2 MB tmpfs (when this process may mount one, as root in CI containers) that a filler file then
fills; elsewhere SQLite's own page limit makes the database file full, which SQLite reports with
the same SQLITE_FULL error as a full disk. Earlier turns stay stored, the rep reads one line
saying the disk is full and that the line is kept, and once space is freed the kept line goes
through and the call goes on."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from coach.content.catalog import load_content
from coach.errors import StoreUnavailable
from coach.call.practice import PracticeCall
from coach.db import Database, add_user, get_session

LINES = ["Thanks for making time. Is 30 minutes still right for you?",
         "How far off has your cash forecast been against actuals?",
         "What would a forecast the lenders trust be worth to you, before the refinancing closes next spring?",
         "Who owns the forecast today, and how is it put together?"]
# A pasted note: a row this long needs a page of its own, so it meets the page limit however much
# room the last page of the turns table has left.
PASTED = LINES[2] + " For context, here is what I sent your treasury team last week: " + " ".join(
    f"Week {w}: receipts forecast against actuals, the variance by customer group, the drivers behind it, "
    f"and what changed in collections." for w in range(1, 27))


@contextlib.contextmanager
def tiny_disk(root: Path, wanted: bool) -> Iterator[Path | None]:
    """A 2 MB tmpfs at `root`, or None where mounting is not allowed (or not `wanted`)."""
    root.mkdir(parents=True, exist_ok=True)
    if not wanted or os.geteuid() != 0:
        yield None
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(root)], capture_output=True)
    if mounted.returncode != 0:
        yield None
        return
    try:
        yield root
    finally:
        subprocess.run(["umount", "-l", str(root)], capture_output=True)


def fill(disk: Path) -> Path:
    """Write a filler file until the file system says it is full."""
    filler = disk / "filler"
    with open(filler, "wb") as out:
        with contextlib.suppress(OSError):
            while True:
                out.write(b"\0" * 65536)
                out.flush()
    return filler


def say(practice: PracticeCall, text: str) -> None:
    for _ in practice.say(text):
        pass


@pytest.mark.parametrize("full_by", ["tmpfs", "page limit"])
def test_a_full_disk_keeps_the_rep_s_line_and_the_call_goes_on_after_space_is_freed(full_by, tmp_path, shipped_store,
                                                                                   fault_report):
    store, _ = shipped_store
    content = load_content()
    with tiny_disk(tmp_path / "disk", wanted=full_by == "tmpfs") as disk:
        if full_by == "tmpfs" and disk is None:
            pytest.skip("mounting a tmpfs needs root; the page-limit case covers the same SQLITE_FULL path")
        folder = disk or tmp_path / "data"
        db = Database(f"sqlite:///{folder / 'coach.db'}")
        viewer = add_user(db, "rep_disk_full", "long-enough-password", role="rep", team="east")
        practice = PracticeCall.start(db, viewer, content, store, None, "cfo_meridian", seed=5)
        said = LINES[:2]
        for line in said:
            say(practice, line)

        if disk is not None:
            how, filler = "tmpfs filled", fill(disk)
        else:  # SQLite stops growing the file at its current size: the same SQLITE_FULL a full disk gives
            how, filler = "SQLite page limit", None
            with db.engine.connect() as conn:
                conn.exec_driver_sql("CREATE TABLE disk_filler (x BLOB)")
                conn.commit()

            @event.listens_for(db.engine, "connect")
            def _cap(dbapi_connection, _record):  # noqa: ANN001, ANN202
                dbapi_connection.execute("PRAGMA max_page_count = 1")  # = the file's current size

            db.engine.dispose()
            with db.engine.connect() as conn:  # fill the file's free pages, as a filler file fills a disk
                with contextlib.suppress(OperationalError):
                    while True:
                        conn.exec_driver_sql("INSERT INTO disk_filler VALUES (randomblob(2000))")
                        conn.commit()
                conn.rollback()
        line = LINES[2] if disk is not None else PASTED
        with pytest.raises(StoreUnavailable) as caught:
            say(practice, line)
        message = practice.failure_notice(caught.value)
        assert "full" in message and "not saved" in message and "Traceback" not in message
        assert practice.unsent == line, "the rep's words are kept to send again"
        assert [t.rep for t in get_session(db, viewer, practice.session_id).lines()] == said

        if filler is not None:
            filler.unlink()
        else:
            event.remove(db.engine, "connect", _cap)
            db.engine.dispose()
            with db.engine.connect() as conn:
                conn.exec_driver_sql("DROP TABLE disk_filler")
                conn.commit()
        say(practice, practice.unsent)
        said.append(line)
        say(practice, LINES[3])
        said.append(LINES[3])
        stored = [t.rep for t in get_session(db, viewer, practice.session_id).lines()]
        lost = sum(1 for line in said if line not in stored)
        fault_report.add(f"data disk full ({how})", turns_lost=lost, message=message,
                         recovered=stored == said and practice.unsent is None)
        db.close()
        assert lost == 0 and stored == said
